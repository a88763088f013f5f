/**
 * What `@fluxbase:on` (and `defineJob({ on })`) accepts: a named event (`incident:created`), or
 * table changes (`insert app.orders`, `insert,update app.orders`). One grammar for both places.
 */

export interface TableSubscription {
  op: "insert" | "update" | "delete";
  schema: string;
  table: string;
}

export type Subscription = { event: string } | { tables: TableSubscription[] };

export const EVENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
const OPS = new Set(["insert", "update", "delete"]);

/** The subscription a value names, or a message saying what was expected. */
export function parseSubscription(value: string): Subscription | string {
  const words = value.trim().split(/\s+/).filter(Boolean);
  if (words.length === 1) {
    return EVENT_NAME.test(words[0]!)
      ? { event: words[0]! }
      : "expected an event name (letters, digits and _ . : / -) or `insert|update|delete schema.table`";
  }
  const target = words.at(-1)!;
  const ops = words
    .slice(0, -1)
    .join(",")
    .split(",")
    .map((op) => op.trim().toLowerCase())
    .filter(Boolean);
  if (ops.length === 0 || ops.some((op) => !OPS.has(op)))
    return "expected insert, update or delete (one or more) before the table";
  const [schema, table, ...rest] = target.split(".");
  if (rest.length > 0 || !table || !IDENT.test(schema!) || !IDENT.test(table))
    return "expected the table as schema.table, e.g. app.orders";
  return {
    tables: [...new Set(ops)].map((op) => ({ op: op as TableSubscription["op"], schema: schema!, table })),
  };
}
