/**
 * This server's watch on job changes (`jobs.change_watchers`, migration 0034). A job's updates
 * (claimed, progress, ended) are announced by NOTIFY only while some realtime server watches; rows
 * that become pending or cancelled, which the workers act on, always are. The watch is taken before a
 * join is answered, renewed every third of its lifetime while channels are joined, and left to lapse
 * when none are, so an idle server writes nothing and a crashed one's watch ends by itself. A renewal
 * that finds its watch lapsed while channels were joined (the database was away longer than the
 * lifetime) replays what they may have missed, as after a lost LISTEN.
 */
import { randomUUID } from "node:crypto";
import type { Sql } from "../db/createSql.ts";
import { asService } from "../db/withClaims.ts";
import type { Logger } from "../log.ts";

export interface ChangeWatchDeps {
  sql: Sql;
  ttlMs: number;
  /** Whether anyone here wants changes now (channels are joined). */
  wanted(): boolean;
  /** The watch had lapsed while wanted: changes may have gone unannounced. */
  onLapsed(): void;
  logger: Logger;
}

export interface ChangeWatch {
  /** Resolves once the watch is live for at least two thirds of its lifetime. */
  ensure(): Promise<void>;
  /** Stops renewing and ends the watch; idempotent. */
  close(): Promise<void>;
}

export function createChangeWatch(deps: ChangeWatchDeps): ChangeWatch {
  const id = randomUUID();
  const renewEveryMs = Math.max(1, Math.floor(deps.ttlMs / 3));
  let renewedAt = Number.NEGATIVE_INFINITY;
  // Whether the watch is meant to be live: renewals lapse on purpose once nothing is wanted.
  let held = false;
  let renewing: Promise<void> | undefined;
  let closed = false;

  function renew(): Promise<void> {
    renewing ??= (async () => {
      const sentAt = performance.now();
      try {
        const wasLive = await renewWatch(deps.sql, id, deps.ttlMs);
        if (held && !wasLive) deps.onLapsed();
        held = true;
        renewedAt = sentAt;
      } finally {
        renewing = undefined;
      }
    })();
    return renewing;
  }

  const timer = setInterval(() => {
    if (closed) return;
    if (!deps.wanted()) {
      held = false;
      return;
    }
    renew().catch((error) =>
      deps.logger.warn("could not renew the realtime watch on job changes", { error }),
    );
  }, renewEveryMs);
  timer.unref();

  return {
    ensure() {
      if (closed) return Promise.reject(new Error("the realtime server is closed"));
      if (performance.now() - renewedAt < renewEveryMs) return Promise.resolve();
      return renew();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await renewing?.catch(() => {});
      if (renewedAt > Number.NEGATIVE_INFINITY) await endWatch(deps.sql, id).catch(() => {});
    },
  };
}

/**
 * Extends this watch to `ttlMs` from now (taking it if new). Returns whether it was still live with a
 * third of its lifetime left, as renewals every third of it leave it; anything less means a renewal
 * came late and changes may have gone unannounced. The row is read locked, so a concurrent write to
 * it is seen as it committed.
 */
async function renewWatch(sql: Sql, id: string, ttlMs: number): Promise<boolean> {
  return asService(sql, async (tx) => {
    const [previous] = await tx<{ live: boolean }[]>`
      select expires_at > now() + make_interval(secs => ${ttlMs / 3000}) as live
      from jobs.change_watchers where id = ${id} for update`;
    await tx`
      with swept as (
        -- Crashed servers' watches, long lapsed.
        delete from jobs.change_watchers where expires_at < now() - interval '1 hour' and id <> ${id}
      )
      insert into jobs.change_watchers (id, expires_at)
      values (${id}, now() + make_interval(secs => ${ttlMs / 1000}))
      on conflict (id) do update set expires_at = excluded.expires_at`;
    return previous?.live ?? false;
  });
}

async function endWatch(sql: Sql, id: string): Promise<void> {
  await asService(sql, (tx) => tx`delete from jobs.change_watchers where id = ${id}`);
}
