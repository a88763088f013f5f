/**
 * The `postgres_changes` payload: `{ids, data}` where `data` carries both Supabase Realtime's wire
 * fields (`type`, `record`, `old_record`, `columns`, which realtime-js converts for its callback) and
 * the callback shape itself (`eventType`, `new`, `old`) for clients reading the frame directly.
 */
import type { ChangeNotification } from "../db/changeNotification.ts";
import type { Column } from "./columns.ts";
import type { Row, TableSpec } from "./tables.ts";

export function commitTimestamp(ts: string): string {
  const ms = Date.parse(ts);
  return new Date(Number.isNaN(ms) ? Date.now() : ms).toISOString();
}

/** The `data` object as JSON text, built once per change and shared by every channel told of it. */
export function changeDataJson(
  table: TableSpec,
  columns: readonly Column[],
  change: ChangeNotification,
  row: Row | null,
  old: Row,
): string {
  const record = change.type === "DELETE" ? null : row;
  const oldRecord = change.type === "INSERT" ? null : old;
  return JSON.stringify({
    schema: table.schema,
    table: table.table,
    commit_timestamp: commitTimestamp(change.ts),
    eventType: change.type,
    type: change.type,
    new: record ?? {},
    old: oldRecord ?? {},
    columns,
    errors: null,
    record,
    old_record: oldRecord,
  });
}

export const changePayloadJson = (ids: readonly number[], dataJson: string) =>
  `{"ids":${JSON.stringify(ids)},"data":${dataJson}}`;
