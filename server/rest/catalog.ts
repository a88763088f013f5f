/**
 * The schema cache: tables, views, columns, keys and functions of the exposed schemas, read from the
 * system catalogs. Every identifier the REST API puts into SQL comes from here.
 */
import { unknownColumn, unknownRelation } from "./restError.ts";

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
  foreignKeys: ForeignKey[];
  /** True when the `ddl_command_end` trigger that announces schema changes is installed. */
  eventTrigger: boolean;
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

export const isJsonColumn = (column: Column) => column.typname === "json" || column.typname === "jsonb";
