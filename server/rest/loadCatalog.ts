/** Reads the schema cache for the exposed schemas in one query (as the server's login user). */
import type { Sql } from "../db/createSql.ts";
import {
  type Catalog,
  type Column,
  catalogKey,
  type ForeignKey,
  type Relation,
  type Routine,
} from "./catalog.ts";
import { quoteIdent } from "./sqlText.ts";

export const schemaChangedTrigger = "fluxbase_rest_schema_changed";

const catalogQuery = `
with exposed as (select json_array_elements_text($1::text::json)::name as name)
select json_build_object(
  'relations', coalesce((
    select json_agg(json_build_object(
      'schema', n.nspname, 'name', c.relname, 'kind', c.relkind,
      'columns', coalesce((
        select json_agg(json_build_object(
          'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'typname', t.typname,
          'category', t.typcategory, 'notNull', a.attnotnull,
          'hasDefault', a.atthasdef or a.attidentity <> '', 'generated', a.attgenerated <> '')
          order by a.attnum)
        from pg_attribute a join pg_type t on t.oid = a.atttypid
        where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped), '[]'),
      'primaryKey', coalesce((
        select json_agg(a.attname order by k.ord)
        from pg_constraint con
        cross join lateral unnest(con.conkey) with ordinality as k(attnum, ord)
        join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
        where con.conrelid = c.oid and con.contype = 'p'), '[]')))
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in (select name from exposed) and c.relkind in ('r', 'v', 'm', 'f', 'p')), '[]'),
  'foreignKeys', coalesce((
    select json_agg(json_build_object(
      'name', con.conname, 'schema', n.nspname, 'table', c.relname, 'refSchema', rn.nspname, 'refTable', rc.relname,
      'columns', (select json_agg(a.attname order by k.ord) from unnest(con.conkey) with ordinality as k(attnum, ord)
                  join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum),
      'refColumns', (select json_agg(a.attname order by k.ord) from unnest(con.confkey) with ordinality as k(attnum, ord)
                     join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum)))
    from pg_constraint con
    join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
    join pg_class rc on rc.oid = con.confrelid join pg_namespace rn on rn.oid = rc.relnamespace
    where con.contype = 'f' and n.nspname in (select name from exposed)
      and rn.nspname in (select name from exposed)), '[]'),
  'routines', coalesce((
    select json_agg(json_build_object(
      'schema', n.nspname, 'name', p.proname, 'volatility', p.provolatile, 'returnsSet', p.proretset,
      'returnTypname', rt.typname, 'nDefaults', p.pronargdefaults,
      'args', coalesce((
        select json_agg(json_build_object('name', coalesce(p.proargnames[a.ord], ''), 'type', format_type(a.oid, null),
                                          'mode', coalesce(p.proargmodes[a.ord], 'i')) order by a.ord)
        from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality as a(oid, ord)), '[]'),
      'typeColumns', case when rt.typrelid <> 0 then (
        select json_agg(a.attname order by a.attnum) from pg_attribute a
        where a.attrelid = rt.typrelid and a.attnum > 0 and not a.attisdropped) end))
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_type rt on rt.oid = p.prorettype
    where n.nspname in (select name from exposed) and p.prokind = 'f'), '[]'),
  'types', coalesce((
    select json_agg(json_build_object('schema', n.nspname, 'name', t.typname) order by n.nspname <> 'pg_catalog')
    from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where (n.nspname = 'pg_catalog' or n.nspname in (select name from exposed))
      and t.typtype in ('b', 'd', 'e', 'r', 'm') and t.typisdefined), '[]'),
  'eventTrigger', exists(select 1 from pg_event_trigger where evtname = '${schemaChangedTrigger}' and evtenabled <> 'D'),
  'schemaVersion', (select case when is_called then last_value else 0 end from fluxbase.schema_version)
)::text as catalog`;

interface RawRelation extends Omit<Relation, "columns"> {
  columns: Column[];
}

interface RawRoutine {
  schema: string;
  name: string;
  volatility: string;
  returnsSet: boolean;
  returnTypname: string;
  nDefaults: number;
  args: { name: string; type: string; mode: string }[];
  typeColumns: string[] | null;
}

interface RawCatalog {
  types: { schema: string; name: string }[];
  relations: RawRelation[];
  foreignKeys: ForeignKey[];
  routines: RawRoutine[];
  eventTrigger: boolean;
  schemaVersion: number;
}

let loads = 0;

export async function loadCatalog(sql: Sql, schemas: readonly string[]): Promise<Catalog> {
  const [row] = await sql.unsafe<{ catalog: string }[]>(catalogQuery, [JSON.stringify(schemas)]);
  const raw = JSON.parse(row!.catalog) as RawCatalog;
  const relations = new Map<string, Relation>();
  for (const r of raw.relations) {
    relations.set(catalogKey(r.schema, r.name), {
      ...r,
      columns: new Map(r.columns.map((c) => [c.name, c])),
    });
  }
  const routines = new Map<string, Routine[]>();
  for (const r of raw.routines) {
    const key = catalogKey(r.schema, r.name);
    routines.set(key, [...(routines.get(key) ?? []), toRoutine(r)]);
  }
  const types = new Map<string, string>();
  for (const t of raw.types)
    if (!types.has(t.name)) types.set(t.name, `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`);
  return {
    version: ++loads,
    relations,
    routines,
    types,
    foreignKeys: raw.foreignKeys,
    eventTrigger: raw.eventTrigger,
    schemaVersion: raw.schemaVersion,
  };
}

function toRoutine(r: RawRoutine): Routine {
  const inputs = r.args.filter((a) => a.mode === "i" || a.mode === "b" || a.mode === "v");
  const outputs = r.args.filter((a) => a.mode === "o" || a.mode === "b" || a.mode === "t");
  const firstDefault = inputs.length - r.nDefaults;
  const returns =
    r.returnTypname === "void"
      ? "void"
      : outputs.length > 0 || (r.typeColumns && r.typeColumns.length > 0)
        ? "composite"
        : "scalar";
  return {
    schema: r.schema,
    name: r.name,
    volatility: r.volatility,
    returnsSet: r.returnsSet,
    args: inputs.map((a, i) => ({ ...a, hasDefault: i >= firstDefault })),
    returns,
    columns: outputs.length > 0 ? outputs.map((a) => a.name) : (r.typeColumns ?? []),
  };
}

/** The DDL counter (migration 0006): compared on a miss to tell a new name from a wrong one. */
export async function currentSchemaVersion(sql: Sql): Promise<number> {
  const [row] = await sql<
    { v: number }[]
  >`select (case when is_called then last_value else 0 end)::float8 as v from fluxbase.schema_version`;
  return row!.v;
}
