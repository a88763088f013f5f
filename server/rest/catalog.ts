/**
 * The schema cache: tables, views, columns, keys and functions of the exposed schemas, read from the
 * system catalogs. Every identifier the REST API puts into SQL comes from here.
 */
import { RestError, unknownColumn, unknownRelation } from "./restError.ts";

export interface Column {
  name: string;
  /** `format_type()`: a type name safe to put in SQL as is (quoted and qualified where needed). */
  type: string;
  /** `pg_type.typname`, e.g. `jsonb`, `_text`, `tsvector`. */
  typname: string;
  /** `pg_type.typcategory`: A array, R range, S string, N numeric, ... */
  category: string;
  notNull: boolean;
  hasDefault: boolean;
  generated: boolean;
}

export interface Relation {
  schema: string;
  name: string;
  /** `pg_class.relkind`: r table, p partitioned table, v view, m materialized view, f foreign table. */
  kind: string;
  columns: Map<string, Column>;
  primaryKey: string[];
}

export interface ForeignKey {
  name: string;
  schema: string;
  table: string;
  columns: string[];
  refSchema: string;
  refTable: string;
  refColumns: string[];
}

export interface RoutineArg {
  name: string;
  type: string;
  /** i in, b inout, v variadic (inputs only are kept). */
  mode: string;
  hasDefault: boolean;
}

export interface Routine {
  schema: string;
  name: string;
  args: RoutineArg[];
  /** i immutable, s stable, v volatile. */
  volatility: string;
  returnsSet: boolean;
  returns: "void" | "scalar" | "composite";
  /** Output column names when `returns` is composite. */
  columns: string[];
}

export interface Catalog {
  /** Increases with every load; statements carry it so prepared ones never outlive a schema change. */
  version: number;
  relations: Map<string, Relation>;
  routines: Map<string, Routine[]>;
  /** Type name (pg_catalog first, then the exposed schemas) → its quoted, qualified SQL name. */
  types: Map<string, string>;
  foreignKeys: ForeignKey[];
  /** True when the `ddl_command_end` trigger that announces schema changes is installed. */
  eventTrigger: boolean;
  /** `fluxbase.schema_version` when this catalog was read (bumped by every DDL statement). */
  schemaVersion: number;
}

export const catalogKey = (schema: string, name: string) => `${schema}\u0000${name}`;

export function findRelation(catalog: Catalog, schema: string, name: string): Relation {
  const relation = catalog.relations.get(catalogKey(schema, name));
  if (!relation) throw unknownRelation(schema, name);
  return relation;
}

export function findColumn(relation: Relation, name: string): Column {
  const column = relation.columns.get(name);
  if (!column) throw unknownColumn(relation.name, name);
  return column;
}

/** The SQL spelling of a user-named cast type (`::text`, `::int`, `::numeric[]`), from the catalog only. */
const typeAliases: Record<string, string> = {
  int: "int4",
  integer: "int4",
  smallint: "int2",
  bigint: "int8",
  real: "float4",
  float: "float8",
  double: "float8",
  boolean: "bool",
  decimal: "numeric",
  character: "bpchar",
  char: "bpchar",
};

export function findType(catalog: Catalog, name: string): string {
  const array = name.endsWith("[]");
  const base = (array ? name.slice(0, -2) : name).toLowerCase();
  const canonical = typeAliases[base] ?? base;
  const sql = catalog.types.get(array ? `_${canonical}` : canonical);
  if (!sql) throw new RestError(400, "42704", `type "${name}" does not exist`, { catalogMiss: true });
  return sql;
}

export const isJsonColumn = (column: Column) => column.typname === "json" || column.typname === "jsonb";
