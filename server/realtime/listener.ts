/**
 * LISTEN on `fluxbase_changes` over postgres.js's dedicated listen connection. postgres.js reconnects
 * and re-listens by itself and then calls onlisten again: that is our cue to replay what may have been
 * missed (resync.ts). As a backstop for a re-listen that failed silently (the database was down for a
 * while), a probe NOTIFY on a private channel goes round every `checkIntervalMs`; when one does not
 * come back, the listener is torn down and set up again.
 */
import { randomBytes } from "node:crypto";
import { type ChangeNotification, parseNotifications } from "../db/changeNotification.ts";
import type { Sql } from "../db/createSql.ts";
import { changesChannel } from "../db/notifyChannels.ts";
import type { Logger } from "../log.ts";
import { RecentChanges, readMissedChanges } from "./resync.ts";
import type { RealtimeCounters } from "./stats.ts";

export interface ChangeListenerDeps {
  sql: Sql;
  onChange(change: ChangeNotification): void;
  /** After the connection came back (before the replay). */
  onReconnect(): Promise<void> | void;
  checkIntervalMs: number;
  counters: RealtimeCounters;
  logger: Logger;
}

export interface ChangeListener {
  /** Resolves once LISTEN is active for the first time. */
  readonly ready: Promise<void>;
  readonly listening: boolean;
  /** Replays what may have gone unannounced lately, as after a reconnect. */
  replay(): Promise<void>;
  close(): Promise<void>;
}

/** Replay from this long before the last change heard of: a writer's now() is its transaction start. */
const resyncMarginMs = 10_000;
const retryMaxMs = 30_000;

type Subscription = { unlisten(): Promise<void> };

export function startChangeListener(deps: ChangeListenerDeps): ChangeListener {
  const { sql, logger, counters } = deps;
  const probeChannel = `fluxbase_realtime_probe_${randomBytes(6).toString("hex")}`;
  const recent = new RecentChanges();
  let closed = false;
  let listening = false;
  let listens = 0;
  let lastHeardMs = 0;
  // postgres.js keeps re-registering the callbacks it was given; after we set up again ourselves, the
  // older generation's callbacks may linger, so only the current generation's are heard.
  let generation = 0;
  let subscriptions: Subscription[] = [];
  let probe: string | null = null;
  let retryMs = 500;
  let retryTimer: NodeJS.Timeout | undefined;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  function onNotify(text: string): void {
    if (closed) return;
    const changes = parseNotifications(text);
    if (changes.length === 0) {
      logger.warn("ignoring an unreadable change notification", { payload: text.slice(0, 200) });
      return;
    }
    for (const change of changes) {
      lastHeardMs = Math.max(lastHeardMs, Date.parse(change.ts) || 0);
      recent.add(change);
      deps.onChange(change);
    }
  }

  function onListen(): void {
    if (closed) return;
    listening = true;
    retryMs = 500;
    if (++listens === 1) {
      sql`select now() as now`
        .then(([row]) => {
          lastHeardMs = Math.max(lastHeardMs, (row!.now as Date).getTime());
        })
        .catch(() => {})
        .finally(markReady);
      return;
    }
    counters.listenerReconnects++;
    logger.info("listening again after the connection was lost; replaying missed changes");
    void resync();
  }

  async function resync(): Promise<void> {
    try {
      await deps.onReconnect();
      const since = new Date((lastHeardMs || Date.now()) - resyncMarginMs);
      for (const change of await readMissedChanges(sql, since)) {
        if (closed || !recent.add(change)) continue;
        counters.resyncedChanges++;
        lastHeardMs = Math.max(lastHeardMs, Date.parse(change.ts) || 0);
        deps.onChange(change);
      }
    } catch (error) {
      logger.warn("replaying missed changes failed", { error });
    }
  }

  async function subscribe(): Promise<void> {
    const mine = ++generation;
    const current = () => mine === generation;
    try {
      subscriptions = [
        await sql.listen(
          changesChannel,
          (text) => current() && onNotify(text),
          () => current() && onListen(),
        ),
        await sql.listen(probeChannel, (nonce) => {
          if (current() && nonce === probe) probe = null;
        }),
      ];
    } catch (error) {
      listening = false;
      if (closed) return;
      logger.warn("LISTEN failed; retrying", { error, inMs: retryMs });
      retryTimer = setTimeout(() => void subscribe(), retryMs);
      retryTimer.unref();
      retryMs = Math.min(retryMs * 2, retryMaxMs);
    }
  }

  async function unsubscribe(): Promise<void> {
    const current = subscriptions;
    subscriptions = [];
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
    await Promise.race([Promise.allSettled(current.map((s) => s.unlisten())), timeout]);
  }

  const watchdog = setInterval(() => {
    if (closed || subscriptions.length === 0) return;
    if (probe !== null) {
      logger.warn("the LISTEN connection stopped answering; listening again");
      listening = false;
      probe = null;
      void unsubscribe().then(() => (closed ? undefined : subscribe()));
      return;
    }
    probe = randomBytes(8).toString("hex");
    sql.notify(probeChannel, probe).catch(() => {});
  }, deps.checkIntervalMs);
  watchdog.unref();

  void subscribe();

  return {
    ready,
    get listening() {
      return listening;
    },
    replay: resync,
    async close() {
      closed = true;
      listening = false;
      clearInterval(watchdog);
      clearTimeout(retryTimer);
      await unsubscribe();
    },
  };
}
