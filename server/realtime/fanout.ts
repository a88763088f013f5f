/**
 * RLS fan-out: a change goes to the channels listening to its table and event, grouped by identity
 * key, so the row is read once per identity (not once per subscriber) under that identity's role and
 * claims, every identity in one round trip. Filters run on the row that read returned. Reads of
 * successive changes overlap (bounded by the limiter) but deliveries keep NOTIFY order; a channel
 * that left, changed identity or expired while its row was being read gets nothing.
 */
import type { Identity } from "../auth/identity.ts";
import type { ChangeNotification } from "../db/changeNotification.ts";
import type { Sql } from "../db/createSql.ts";
import type { Logger } from "../log.ts";
import { changeDataJson, changePayloadJson } from "./changePayload.ts";
import type { Channel } from "./channel.ts";
import type { ColumnCatalog } from "./columns.ts";
import { visibleDeletes } from "./deleteVisibility.ts";
import type { Limiter } from "./limiter.ts";
import { readVisibleRows } from "./readVisibleRow.ts";
import type { ChannelRegistry } from "./registry.ts";
import type { RealtimeCounters } from "./stats.ts";
import { findTable, type Row } from "./tables.ts";

export interface FanoutDeps {
  sql: Sql;
  registry: ChannelRegistry;
  columns: () => ColumnCatalog;
  limiter: Limiter;
  maxPendingChanges: number;
  counters: RealtimeCounters;
  logger: Logger;
}

export interface Fanout {
  publish(change: ChangeNotification): void;
  readonly pending: number;
  /** Resolves when every change taken in so far has been delivered. */
  drain(): Promise<void>;
}

interface Delivery {
  channel: Channel;
  key: string;
  payloadJson: string;
}

interface Group {
  identity: Identity;
  channels: Channel[];
}

export function createFanout(deps: FanoutDeps): Fanout {
  const { counters, logger } = deps;
  let tail: Promise<void> = Promise.resolve();
  let pending = 0;
  let lastDropWarning = 0;

  async function prepare(change: ChangeNotification): Promise<Delivery[]> {
    const table = findTable(change.schema, change.table);
    if (!table) return [];
    const now = Date.now();
    const groups = new Map<string, Group>();
    for (const channel of deps.registry.channelsFor(table.key)) {
      if (channel.closed || channel.isExpired(now) || !channel.listensTo(table, change.type)) continue;
      const group = groups.get(channel.key);
      if (group) group.channels.push(channel);
      else groups.set(channel.key, { identity: channel.identity, channels: [channel] });
    }
    if (groups.size === 0) return [];
    const columns = deps.columns().get(table.key) ?? [];
    const old = table.oldRecord(change);
    const identities = new Map([...groups].map(([key, group]) => [key, group.identity]));
    counters.rlsChecks += identities.size;
    let rows = new Map<string, Row>();
    if (change.type === "DELETE") {
      const visible = await deps.limiter.run(() => visibleDeletes(deps.sql, table, change, identities));
      for (const key of visible) rows.set(key, old);
    } else {
      rows = await deps.limiter.run(() => readVisibleRows(deps.sql, identities, table, change.id));
    }
    const deliveries: Delivery[] = [];
    // Every identity that sees the change sees the same row, so its JSON is made once.
    let dataJson: string | undefined;
    for (const [key, row] of rows) {
      for (const channel of groups.get(key)!.channels) {
        // DELETE filters see what the NOTIFY told about the old row; a column it did not carry never matches.
        const ids = channel.matchingIds(table, change.type, row);
        if (ids.length === 0) continue;
        dataJson ??= changeDataJson(table, columns, change, change.type === "DELETE" ? null : row, old);
        deliveries.push({ channel, key, payloadJson: changePayloadJson(ids, dataJson) });
      }
    }
    return deliveries;
  }

  function deliver(deliveries: Delivery[]): void {
    const now = Date.now();
    for (const { channel, key, payloadJson } of deliveries) {
      if (channel.closed || channel.key !== key || channel.isExpired(now)) continue;
      channel.owner.pushRaw(channel, "postgres_changes", payloadJson);
      counters.eventsSent++;
    }
  }

  return {
    publish(change) {
      counters.changes++;
      if (pending >= deps.maxPendingChanges) {
        counters.changesDropped++;
        if (Date.now() - lastDropWarning > 10_000) {
          lastDropWarning = Date.now();
          logger.warn("realtime is behind; dropping changes", { pending, dropped: counters.changesDropped });
        }
        return;
      }
      pending++;
      const prepared = prepare(change).catch((error: unknown) => {
        logger.error("reading a change for subscribers failed; nobody is told of it", {
          table: `${change.schema}.${change.table}`,
          type: change.type,
          error,
        });
        return [] as Delivery[];
      });
      tail = tail.then(async () => {
        try {
          deliver(await prepared);
        } catch (error) {
          logger.error("delivering a change failed", { error });
        } finally {
          pending--;
        }
      });
    },
    get pending() {
      return pending;
    },
    drain: () => tail,
  };
}
