/** Reads the table a channel named `table:<schema>.<table>` (or `table:<table>`) is about. */
import { splitRelation } from "../rest/splitRelation.ts";

/** The schema and table named by a `table:` channel, or `null` for any other channel name. */
export function parseTableTopic(
  name: string,
  defaultSchema: string,
): { schema: string; table: string } | null {
  const match = /^table:(.+)$/.exec(name);
  if (!match) return null;
  return splitRelation(match[1], defaultSchema);
}
