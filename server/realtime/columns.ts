/** Column names and type names of the served tables, read from the catalog: the `columns` of a change. */
import type { Sql } from "../db/createSql.ts";
import { type TableSpec, tableSpecs } from "./tables.ts";

export interface Column {
  name: string;
  /** pg_type.typname, as Supabase Realtime sends it ("uuid", "int4", "jsonb", "_text", ...). */
  type: string;
}

/** Visible columns by table key ("jobs.queue"), in table order. */
export type ColumnCatalog = ReadonlyMap<string, readonly Column[]>;

export async function loadColumns(
  sql: Sql,
  specs: readonly TableSpec[] = tableSpecs,
): Promise<ColumnCatalog> {
  const rows = await sql<{ key: string; name: string; type: string }[]>`
    select n.nspname || '.' || c.relname as key, a.attname as name, t.typname as type
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    join pg_type t on t.oid = a.atttypid
    where n.nspname || '.' || c.relname in ${sql(specs.map((spec) => spec.key))}
      and a.attnum > 0 and not a.attisdropped
    order by key, a.attnum`;
  const catalog = new Map<string, Column[]>(specs.map((spec) => [spec.key, []]));
  for (const row of rows) {
    const spec = specs.find((s) => s.key === row.key);
    if (spec && !spec.hidden.has(row.name)) catalog.get(row.key)!.push({ name: row.name, type: row.type });
  }
  return catalog;
}
