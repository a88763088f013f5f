/**
 * The realtime server: Supabase Realtime's Phoenix protocol on `/realtime/v1/websocket` of the HTTP
 * server, delivering `postgres_changes` of jobs.queue, jobs.logs and jobs.workers, each change checked
 * against row-level security as each subscriber identity. Wires the pieces: upgrade (auth), connection
 * (protocol), listener (LISTEN + resync), fan-out (RLS per identity), and the ping sweep.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { Identity } from "../auth/identity.ts";
import type { TokenVerifier } from "../auth/verifyToken.ts";
import type { Sql } from "../db/createSql.ts";
import type { Logger } from "../log.ts";
import { createChangeWatch } from "./changeWatch.ts";
import { type ColumnCatalog, loadColumns } from "./columns.ts";
import { Connection } from "./connection.ts";
import { createFanout } from "./fanout.ts";
import { createLimiter } from "./limiter.ts";
import { startChangeListener } from "./listener.ts";
import { type RealtimeOptions, resolveRealtimeOptions } from "./options.ts";
import type { Vsn } from "./protocol.ts";
import { createQuota, type Ticket } from "./quota.ts";
import { ChannelRegistry } from "./registry.ts";
import { newCounters, type RealtimeStats } from "./stats.ts";
import { createUpgradeHandler } from "./upgrade.ts";

export type { RealtimeOptions } from "./options.ts";
export type { RealtimeStats } from "./stats.ts";

type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** What the realtime server needs of the HTTP server (a node:http Server, or what `serve()` returns). */
export interface UpgradeSource {
  on(event: "upgrade", listener: UpgradeListener): unknown;
  off(event: "upgrade", listener: UpgradeListener): unknown;
  listenerCount(event: "upgrade"): number;
}

export interface CreateRealtimeServerInput {
  server: UpgradeSource;
  sql: Sql;
  verifyToken: TokenVerifier;
  logger: Logger;
  options?: RealtimeOptions;
  /** Browser origins allowed to connect. @default every origin */
  allowOrigin?: (origin: string) => boolean;
}

export interface RealtimeServer {
  /** Resolves once LISTEN is active and joins are answered. */
  readonly ready: Promise<void>;
  /** Terminates every socket, stops listening, lets changes in flight finish; idempotent. */
  close(): Promise<void>;
  stats(): RealtimeStats;
}

export function createRealtimeServer(input: CreateRealtimeServerInput): RealtimeServer {
  const { server, sql, verifyToken, logger } = input;
  const options = resolveRealtimeOptions(input.options);
  const counters = newCounters();
  const registry = new ChannelRegistry();
  const connections = new Set<Connection>();
  const quota = createQuota(options);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload,
    // ws 8.21+; not yet in @types/ws.
    ...({ maxFragments: options.maxFragments } as object),
    perMessageDeflate: false,
    clientTracking: false,
  });
  let columns: ColumnCatalog | null = null;
  let closing: Promise<void> | undefined;
  let bindingIds = 0;

  const loadCatalog = async () => {
    columns = await loadColumns(sql);
  };
  const fanout = createFanout({
    sql,
    registry,
    columns: () => columns ?? new Map(),
    limiter: createLimiter(options.maxConcurrentChecks),
    maxPendingChanges: options.maxPendingChanges,
    counters,
    logger,
  });
  const listener = startChangeListener({
    sql,
    onChange: (change) => fanout.publish(change),
    onReconnect: () => loadCatalog().catch((error) => logger.warn("reloading columns failed", { error })),
    checkIntervalMs: options.listenerCheckIntervalMs,
    counters,
    logger,
  });
  const watch = createChangeWatch({
    sql,
    ttlMs: options.watchTtlMs,
    wanted: () => registry.size > 0,
    onLapsed: () => {
      logger.warn("the watch on job changes had lapsed; replaying missed changes");
      void listener.replay();
    },
    logger,
  });
  const ready = listener.ready.then(() => loadCatalog().catch(() => {}));

  async function whenListening(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const ok = await Promise.race([ready.then(() => true), timeout]);
    clearTimeout(timer);
    if (!ok || closing) return false;
    if (!columns) await loadCatalog().catch((error) => logger.warn("loading columns failed", { error }));
    if (!columns) return false;
    try {
      // Before the join is answered: from then on, every change of a job is announced.
      await watch.ensure();
      return true;
    } catch (error) {
      logger.warn("could not watch job changes", { error });
      return false;
    }
  }

  function accept(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    identity: Identity,
    vsn: Vsn,
    ticket: Ticket,
  ) {
    // Released when the upgrade fails too: the socket then closes before any connection exists.
    socket.once("close", () => ticket.release());
    wss.handleUpgrade(request, socket, head, (ws) => {
      if (closing) return ws.terminate();
      const connection = new Connection(ws, {
        vsn,
        identity,
        options,
        verifyToken,
        registry,
        columns: () => columns ?? new Map(),
        nextBindingId: () => ++bindingIds,
        whenListening,
        allowJoin: () => ticket.allowJoin(),
        counters,
        logger,
        onClosed: (closed) => connections.delete(closed),
      });
      connections.add(connection);
    });
  }

  const onUpgrade = createUpgradeHandler({
    path: options.path,
    verifyToken,
    allowOrigin: input.allowOrigin ?? (() => true),
    accepting: () => !closing,
    othersListen: () => server.listenerCount("upgrade") > 1,
    admit: (identity, ip) => quota.admit(identity, ip),
    accept,
    onRefused: () => counters.upgradesRefused++,
    logger,
  });
  server.on("upgrade", onUpgrade);

  // A peer that has not answered the previous ping (nor sent anything) since is gone: a vanished
  // client without FIN is dropped within two intervals. Slow consumers are caught here too.
  const sweeper = setInterval(() => {
    for (const connection of connections) {
      if (connection.cutIfSlow()) continue;
      if (!connection.alive) {
        counters.deadPeersTerminated++;
        logger.debug("terminating a peer that stopped answering pings");
        connection.terminate();
        continue;
      }
      connection.alive = false;
      try {
        connection.ws.ping();
      } catch {
        connection.terminate();
      }
    }
  }, options.pingIntervalMs);
  sweeper.unref();

  return {
    ready,
    close() {
      closing ??= (async () => {
        server.off("upgrade", onUpgrade);
        clearInterval(sweeper);
        for (const connection of connections) connection.terminate();
        await watch.close();
        await listener.close();
        let timer: NodeJS.Timeout | undefined;
        const giveUp = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 2000);
        });
        await Promise.race([fanout.drain(), giveUp]);
        clearTimeout(timer);
        await new Promise<void>((resolve) => wss.close(() => resolve()));
      })();
      return closing;
    },
    stats: () => ({
      ...counters,
      connections: connections.size,
      channels: registry.size,
      listening: listener.listening,
      pendingChanges: fanout.pending,
    }),
  };
}
