/**
 * Reads a changed row as each subscriber identity listening: role and claims set per identity, so
 * the table's row-level security policies decide. All identities are judged in one statement on
 * one connection (readRowAsEach); a role without SELECT on the table (anon on jobs.logs) sees
 * nothing rather than failing, and any other error fails the read for everyone (nobody is told).
 */
import type { Sql } from "../db/createSql.ts";
import { type DbIdentity, readRowAsEach } from "../db/withClaims.ts";
import type { Row, TableSpec } from "./tables.ts";

/** The row as each identity sees it, by the identities' keys; absent where it is not visible. */
export async function readVisibleRows(
  sql: Sql,
  identities: ReadonlyMap<string, DbIdentity>,
  table: TableSpec,
  id: string | number,
): Promise<Map<string, Row>> {
  const keys = [...identities.keys()];
  const { visible, row } = await readRowAsEach(sql, [...identities.values()], table.key, id, [
    ...table.hidden,
  ]);
  const rows = new Map<string, Row>();
  // The function has left out the table's hidden columns.
  if (!row) return rows;
  visible.forEach((seen, i) => {
    if (seen) rows.set(keys[i]!, row);
  });
  return rows;
}
