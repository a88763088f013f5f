/**
 * The JSON body of a write: parsed once to learn its keys (the values travel to Postgres as the
 * original text, one bound parameter), checked to be an object (or, for POST, an array of objects),
 * and its columns (the `columns` parameter, else every key seen) checked against the catalog.
 */
import { parseJson } from "../parseJson.ts";
import type { Relation } from "./catalog.ts";
import { RestError, unknownPayloadColumn } from "./restError.ts";

export interface Payload {
  rows: Record<string, unknown>[];
  /** The rows as a JSON array text. */
  text: string;
  columns: string[];
}

const invalid = (details: string) => new RestError(400, "PGRST102", "Empty or invalid json", { details });

export function readPayload(
  text: string,
  relation: Relation,
  columnsParam: string[] | undefined,
  allowArray: boolean,
): Payload {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : "not JSON");
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  let rows: Record<string, unknown>[];
  if (isObject(value)) rows = [value];
  else if (allowArray && Array.isArray(value) && value.every(isObject)) rows = value;
  else throw invalid(allowArray ? "Expected an object or an array of objects" : "Expected an object");
  const columns = columnsParam ?? [...new Set(rows.flatMap((row) => Object.keys(row)))];
  for (const column of columns) {
    if (!relation.columns.has(column)) throw unknownPayloadColumn(relation.name, column);
  }
  return { rows, text: Array.isArray(value) ? text : `[${text}]`, columns };
}

/**
 * Rows grouped by the columns they carry, for `Prefer: missing=default`: each group is inserted with
 * only its own columns so that Postgres fills the others with their defaults.
 */
export function groupByColumns(payload: Payload): { columns: string[]; text: string }[] {
  const groups = new Map<string, { columns: string[]; rows: Record<string, unknown>[] }>();
  for (const row of payload.rows) {
    const columns = payload.columns.filter((column) => Object.hasOwn(row, column));
    const key = JSON.stringify(columns);
    const group = groups.get(key) ?? { columns, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  if (groups.size === 1) return [{ columns: [...groups.values()][0]!.columns, text: payload.text }];
  return [...groups.values()].map((group) => ({ columns: group.columns, text: JSON.stringify(group.rows) }));
}
