/**
 * The `phx_join` payload realtime-js sends: `{config: {broadcast, presence, postgres_changes: [{event,
 * schema, table?, filter?}], private}, access_token?}`, validated into bindings with server-assigned
 * ids. The join reply echoes each binding exactly as sent (realtime-js compares them field by field).
 */
import type { ChangeType } from "../db/changeNotification.ts";
import type { ColumnCatalog } from "./columns.ts";
import { type Filter, parseFilter } from "./filter.ts";
import { type TableSpec, tableSpecs } from "./tables.ts";

export type BindingEvent = ChangeType | "*";

export interface Binding {
  id: number;
  event: BindingEvent;
  /** One table, or every served table of the schema for `table: "*"` (or no table). */
  tables: readonly TableSpec[];
  /** By table key; absent: no filter. */
  filters: ReadonlyMap<string, Filter> | null;
  /** What the join reply lists for this binding. */
  reply: { id: number; event: string; schema: string; table?: string; filter?: string };
}

export interface JoinRequest {
  bindings: Binding[];
  accessToken: string | null;
  broadcastSelf: boolean;
}

export type ParsedJoin = { ok: true; join: JoinRequest } | { ok: false; reason: string };

const events: ReadonlySet<string> = new Set(["INSERT", "UPDATE", "DELETE", "*"]);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export function parseJoin(
  payload: unknown,
  columns: ColumnCatalog,
  nextId: () => number,
  maxBindings: number,
): ParsedJoin {
  if (payload !== undefined && payload !== null && !isObject(payload)) {
    return { ok: false, reason: "the join payload must be an object" };
  }
  const body = payload ?? {};
  const config = body.config ?? {};
  if (!isObject(config)) return { ok: false, reason: "config must be an object" };
  const token = body.access_token;
  if (token !== undefined && token !== null && typeof token !== "string") {
    return { ok: false, reason: "access_token must be a string" };
  }
  const requested = config.postgres_changes ?? [];
  if (!Array.isArray(requested)) return { ok: false, reason: "config.postgres_changes must be an array" };
  if (requested.length > maxBindings) {
    return { ok: false, reason: `a channel may hold at most ${maxBindings} postgres_changes bindings` };
  }
  const bindings: Binding[] = [];
  for (const [index, entry] of requested.entries()) {
    const parsed = parseBinding(entry, columns, nextId);
    if (typeof parsed === "string") return { ok: false, reason: `postgres_changes[${index}]: ${parsed}` };
    bindings.push(parsed);
  }
  const broadcast = isObject(config.broadcast) ? config.broadcast : {};
  return {
    ok: true,
    join: { bindings, accessToken: token || null, broadcastSelf: broadcast.self === true },
  };
}

function parseBinding(entry: unknown, columns: ColumnCatalog, nextId: () => number): Binding | string {
  if (!isObject(entry)) return "each binding must be an object";
  const { event, schema, table, filter } = entry;
  if (typeof event !== "string" || !events.has(event.toUpperCase())) {
    return `event must be INSERT, UPDATE, DELETE or *; got ${JSON.stringify(event)}`;
  }
  if (typeof schema !== "string") return `schema must be a string; got ${JSON.stringify(schema)}`;
  if (table !== undefined && typeof table !== "string") return "table must be a string";
  if (filter !== undefined && typeof filter !== "string") return "filter must be a string";
  const tables =
    table === undefined || table === "*"
      ? tableSpecs.filter((spec) => spec.schema === schema)
      : tableSpecs.filter((spec) => spec.schema === schema && spec.table === table);
  if (tables.length === 0) {
    const served = tableSpecs.map((spec) => spec.key).join(", ");
    return `${schema}.${table ?? "*"} is not available to realtime (served: ${served})`;
  }
  let filters: Map<string, Filter> | null = null;
  if (filter !== undefined && filter !== "") {
    filters = new Map();
    for (const spec of tables) {
      const parsed = parseFilter(filter, columns.get(spec.key) ?? []);
      if (!parsed.ok) return `${parsed.reason} (table ${spec.key})`;
      filters.set(spec.key, parsed.filter);
    }
  }
  const id = nextId();
  return {
    id,
    event: event.toUpperCase() as BindingEvent,
    tables,
    filters,
    reply: { id, event, schema, table, filter },
  };
}
