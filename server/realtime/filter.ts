/**
 * postgres_changes filters (`column=op.value`, Supabase Realtime's syntax) parsed once at join and
 * evaluated on the row the subscriber's own RLS-checked read returned. Values compare by the column's
 * type: numbers numerically, timestamps as instants (millisecond precision), uuids case-insensitively,
 * text by code unit. A NULL column matches no filter, as in SQL.
 */
import type { Column } from "./columns.ts";
import type { Row } from "./tables.ts";

export type FilterOp = "eq" | "neq" | "lt" | "lte" | "gt" | "gte" | "in";
type Kind = "number" | "time" | "bool" | "uuid" | "text";
type Value = number | string | boolean;

export interface Filter {
  column: string;
  op: FilterOp;
  kind: Kind;
  values: Value[];
}

export type ParsedFilter = { ok: true; filter: Filter } | { ok: false; reason: string };

const ops: ReadonlySet<string> = new Set(["eq", "neq", "lt", "lte", "gt", "gte", "in"]);
const maxInValues = 100;

function kindOf(type: string): Kind | null {
  if (["int2", "int4", "int8", "float4", "float8", "numeric", "oid"].includes(type)) return "number";
  if (["timestamptz", "timestamp", "date"].includes(type)) return "time";
  if (type === "bool") return "bool";
  if (type === "uuid") return "uuid";
  if (["text", "varchar", "bpchar", "name", "citext"].includes(type)) return "text";
  return null; // json, jsonb, arrays, ...: no ordering or equality that would mean what users expect
}

function convert(kind: Kind, raw: unknown): Value | null {
  if (raw === null || raw === undefined) return null;
  switch (kind) {
    case "number": {
      const n =
        typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
      return Number.isNaN(n) ? null : n;
    }
    case "time": {
      const t = typeof raw === "string" ? Date.parse(raw) : NaN;
      return Number.isNaN(t) ? null : t;
    }
    case "bool":
      if (raw === true || raw === "true" || raw === "t") return true;
      if (raw === false || raw === "false" || raw === "f") return false;
      return null;
    case "uuid":
      return typeof raw === "string" ? raw.toLowerCase() : null;
    case "text":
      return typeof raw === "string" ? raw : typeof raw === "number" ? String(raw) : null;
  }
}

function splitList(text: string): string[] | null {
  if (!text.startsWith("(") || !text.endsWith(")")) return null;
  const inner = text.slice(1, -1);
  if (inner.trim() === "") return [];
  return inner.split(",").map((part) => {
    const trimmed = part.trim();
    return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')
      ? trimmed.slice(1, -1)
      : trimmed;
  });
}

export function parseFilter(text: string, columns: readonly Column[]): ParsedFilter {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)=([a-z]+)\.(.*)$/s.exec(text);
  if (!match)
    return { ok: false, reason: `filter must look like column=op.value; got ${JSON.stringify(text)}` };
  const [, columnName, op, rawValue] = match as unknown as [string, string, string, string];
  if (!ops.has(op)) {
    return {
      ok: false,
      reason: `filter operator must be one of ${[...ops].join(", ")}; got ${JSON.stringify(op)}`,
    };
  }
  const column = columns.find((c) => c.name === columnName);
  if (!column) return { ok: false, reason: `filter column ${JSON.stringify(columnName)} does not exist` };
  const kind = kindOf(column.type);
  if (!kind) return { ok: false, reason: `column ${columnName} (${column.type}) cannot be filtered on` };
  if (kind === "bool" && !["eq", "neq", "in"].includes(op)) {
    return { ok: false, reason: `a boolean column supports eq, neq and in; got ${op}` };
  }
  const texts = op === "in" ? splitList(rawValue) : [rawValue];
  if (!texts)
    return { ok: false, reason: `in needs a list such as in.(a,b); got ${JSON.stringify(rawValue)}` };
  if (texts.length > maxInValues) return { ok: false, reason: `in accepts at most ${maxInValues} values` };
  const values: Value[] = [];
  for (const t of texts) {
    const value = convert(kind, t);
    if (value === null) return { ok: false, reason: `${JSON.stringify(t)} is not a valid ${column.type}` };
    values.push(value);
  }
  return { ok: true, filter: { column: columnName, op: op as FilterOp, kind, values } };
}

export function matchesFilter(filter: Filter, row: Row): boolean {
  const value = convert(filter.kind, row[filter.column]);
  if (value === null) return false;
  const [first] = filter.values;
  switch (filter.op) {
    case "eq":
      return value === first;
    case "neq":
      return value !== first;
    case "lt":
      return value < first!;
    case "lte":
      return value <= first!;
    case "gt":
      return value > first!;
    case "gte":
      return value >= first!;
    case "in":
      return filter.values.includes(value);
  }
}
