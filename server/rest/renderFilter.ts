/**
 * Fields, filters and ordering as SQL. Column names are checked against the scope's catalog columns and
 * quoted; every value, JSON key and text search configuration is a bound parameter.
 */
import { type Column, isJsonColumn } from "./catalog.ts";
import type { Field } from "./parseField.ts";
import { type Condition, type Filter, parseList } from "./parseFilter.ts";
import type { OrderTerm } from "./parsePaging.ts";
import { parseError, unknownColumn } from "./restError.ts";
import { type Params, quoteIdent } from "./sqlText.ts";

/** What a field can refer to: one relation (or function result) under an alias. */
export interface Scope {
  /** For messages: the relation's name. */
  label: string;
  alias: string;
  columns: Map<string, Column>;
}

export function renderField(scope: Scope, field: Field, params: Params): string {
  const column = scope.columns.get(field.name);
  if (!column) throw unknownColumn(scope.label, field.name);
  let sql = `${scope.alias}.${quoteIdent(column.name)}`;
  if (field.path.length === 0) return sql;
  if (column.typname !== "" && !isJsonColumn(column)) {
    throw parseError(
      `JSON paths need a json or jsonb column; ${scope.label}.${column.name} is ${column.type}`,
    );
  }
  for (const step of field.path)
    sql += `${step.arrow}${params.add(step.key)}::${step.index ? "int" : "text"}`;
  return `(${sql})`;
}

const comparisons: Record<string, string> = {
  eq: "=",
  neq: "<>",
  gt: ">",
  gte: ">=",
  lt: "<",
  lte: "<=",
  like: "like",
  ilike: "ilike",
  match: "~",
  imatch: "~*",
  cs: "@>",
  cd: "<@",
  ov: "&&",
  sl: "<<",
  sr: ">>",
  nxl: "&<",
  nxr: "&>",
  adj: "-|-",
};
const textSearch: Record<string, string> = {
  fts: "to_tsquery",
  plfts: "plainto_tsquery",
  phfts: "phraseto_tsquery",
  wfts: "websearch_to_tsquery",
};
const isValues: Record<string, string> = {
  null: "is null",
  not_null: "is not null",
  true: "is true",
  false: "is false",
  unknown: "is unknown",
};
const quantifiable = new Set(["eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch"]);

/** Postgres array literal text for a list of values: every element quoted and escaped. */
export function arrayLiteral(items: string[]): string {
  return `{${items.map((item) => `"${item.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(",")}}`;
}

function renderCondition(scope: Scope, cond: Condition, params: Params): string {
  const lhs = renderField(scope, cond.field, params);
  const { op, modifier } = cond;
  const pattern = (value: string) => (op === "like" || op === "ilike" ? value.replace(/\*/g, "%") : value);
  let sql: string;
  if (op === "is") {
    const test = isValues[cond.value.toLowerCase()];
    if (!test)
      throw parseError(
        `"failed to parse filter (is.${cond.value.slice(0, 40)})"`,
        "is takes null, not_null, true, false or unknown",
      );
    sql = `${lhs} ${test}`;
  } else if (op === "isdistinct") {
    sql = `${lhs} is distinct from ${params.add(cond.value)}`;
  } else if (op === "in") {
    sql = `${lhs} = any(${params.add(arrayLiteral(parseList(cond.value)))})`;
  } else if (textSearch[op]) {
    const config = modifier === undefined ? "" : `${params.add(modifier)}::regconfig, `;
    const column = scope.columns.get(cond.field.name)!;
    const vector =
      column.typname === "tsvector" && cond.field.path.length === 0 ? lhs : `to_tsvector(${config}${lhs})`;
    sql = `${vector} @@ ${textSearch[op]}(${config}${params.add(cond.value)})`;
  } else if (modifier !== undefined) {
    if (!quantifiable.has(op) || (modifier !== "any" && modifier !== "all")) {
      throw parseError(
        `"failed to parse filter (${op}(${modifier.slice(0, 40)}))"`,
        "only eq, like, ... take (any) or (all)",
      );
    }
    const value = cond.value.startsWith("(") ? arrayLiteral(parseList(cond.value)) : cond.value;
    sql = `${lhs} ${comparisons[op]} ${modifier}(${params.add(pattern(value))})`;
  } else if (op === "ov" && cond.value.startsWith("(")) {
    sql = `${lhs} && ${params.add(arrayLiteral(parseList(cond.value)))}`;
  } else {
    sql = `${lhs} ${comparisons[op]} ${params.add(pattern(cond.value))}`;
  }
  return cond.negate ? `not (${sql})` : sql;
}

export function renderFilter(scope: Scope, filter: Filter, params: Params): string {
  if (filter.kind === "condition") return renderCondition(scope, filter, params);
  const inner = filter.items.map((item) => renderFilter(scope, item, params)).join(` ${filter.op} `);
  return filter.negate ? `not (${inner})` : `(${inner})`;
}

/** `a and b and ...`, or undefined without filters. */
export function renderWhere(scope: Scope, filters: Filter[], params: Params): string | undefined {
  if (filters.length === 0) return undefined;
  return filters.map((filter) => renderFilter(scope, filter, params)).join(" and ");
}

export function renderOrder(scope: Scope, terms: OrderTerm[], params: Params): string | undefined {
  if (terms.length === 0) return undefined;
  return terms
    .map((term) => {
      const nulls = term.nulls ? ` nulls ${term.nulls}` : "";
      return `${renderField(scope, term.field, params)} ${term.descending ? "desc" : "asc"}${nulls}`;
    })
    .join(", ");
}
