/**
 * Helpers for the realtime tests: the real realtime-js client (vsn 1.0.0 as it ships, or 2.0.0 through
 * its encode/decode hooks), a raw Phoenix socket for frame-level checks, a realtime server on an HTTP
 * server of its own, and job rows written as superuser.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type RealtimeChannel, RealtimeClient, type WebSocketLikeConstructor } from "@supabase/realtime-js";
import WebSocket from "ws";
import { createLogger } from "../../server/log.ts";
import { createRealtimeServer, type RealtimeOptions } from "../../server/realtime/index.ts";
import type { TestServer } from "../support/server.ts";

export const wsUrl = (httpUrl: string) => httpUrl.replace(/^http/, "ws");

export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  { timeout = 5000, interval = 20, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(interval);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** realtime-js always asks for vsn 1.0.0; this transport asks for 2.0.0 and encode/decode speak arrays. */
class Vsn2Socket extends WebSocket {
  constructor(address: string | URL, protocols?: string | string[]) {
    super(String(address).replace("vsn=1.0.0", "vsn=2.0.0"), protocols);
  }
}
// ws's constructor overloads (address: null for server-side sockets) do not fit realtime-js's type.
const wsTransport = WebSocket as unknown as WebSocketLikeConstructor;
const vsn2 = {
  transport: Vsn2Socket as unknown as WebSocketLikeConstructor,
  encode: (msg: Record<string, unknown>, callback: (s: string) => void) =>
    callback(JSON.stringify([msg.join_ref ?? null, msg.ref ?? null, msg.topic, msg.event, msg.payload])),
  decode: (raw: string, callback: (m: unknown) => void) => {
    const [join_ref, ref, topic, event, payload] = JSON.parse(raw);
    return callback({ join_ref, ref, topic, event, payload });
  },
};

export function realtimeClient(
  baseUrl: string,
  apikey: string,
  { vsn = "1.0.0" as "1.0.0" | "2.0.0", token }: { vsn?: "1.0.0" | "2.0.0"; token?: string } = {},
): RealtimeClient {
  const client = new RealtimeClient(`${wsUrl(baseUrl)}/realtime/v1`, {
    params: { apikey },
    transport: wsTransport,
    timeout: 3000,
    reconnectAfterMs: () => 200,
    ...(vsn === "2.0.0" ? vsn2 : {}),
  });
  if (token) client.accessTokenValue = token;
  return client;
}

export interface Change {
  schema: string;
  table: string;
  eventType: "INSERT" | "UPDATE" | "DELETE";
  commit_timestamp: string;
  new: Record<string, any>;
  old: Record<string, any>;
  errors: unknown;
}

export interface Subscription {
  channel: RealtimeChannel;
  changes: Change[];
  statuses: string[];
  system: Record<string, unknown>[];
}

/** Joins a channel with postgres_changes bindings and resolves once SUBSCRIBED (rejects on error). */
export async function subscribe(
  client: RealtimeClient,
  topic: string,
  bindings: { event: string; schema: string; table?: string; filter?: string }[],
): Promise<Subscription> {
  const sub: Subscription = { channel: client.channel(topic), changes: [], statuses: [], system: [] };
  for (const binding of bindings) {
    sub.channel.on("postgres_changes" as any, binding as any, (payload: Change) => sub.changes.push(payload));
  }
  sub.channel.on("system", {}, (payload: Record<string, unknown>) => sub.system.push(payload));
  await new Promise<void>((resolve, reject) => {
    sub.channel.subscribe((status, error) => {
      sub.statuses.push(status);
      if (status === "SUBSCRIBED") resolve();
      else if (sub.statuses.length === 1) reject(error ?? new Error(status));
    });
  });
  return sub;
}

/** A raw Phoenix socket: send frames, await the frames that match. */
export interface RawSocket {
  ws: WebSocket;
  frames: any[];
  send(frame: unknown): void;
  next(match: (frame: any) => boolean, what?: string, timeout?: number): Promise<any>;
  closed: Promise<{ code: number; reason: string }>;
}

export async function rawSocket(
  baseUrl: string,
  apikey: string,
  { vsn = "1.0.0", path = "/realtime/v1/websocket" } = {},
): Promise<RawSocket> {
  const ws = new WebSocket(`${wsUrl(baseUrl)}${path}?apikey=${encodeURIComponent(apikey)}&vsn=${vsn}`);
  const frames: any[] = [];
  ws.on("message", (data) => frames.push(JSON.parse(String(data))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  ws.on("error", () => {});
  return {
    ws,
    frames,
    closed,
    send: (frame) => ws.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
    next: (match, what = "frame", timeout = 5000) =>
      eventually(() => frames.find(match), {
        timeout,
        what: `${what} (got ${JSON.stringify(frames).slice(0, 400)})`,
      }),
  };
}

/** An upgrade attempt that is expected to be refused: resolves with the HTTP status. */
export function refusedStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on("open", () => {
      ws.close();
      reject(new Error("the upgrade was accepted"));
    });
    ws.on("error", () => {});
  });
}

let joins = 0;
/** Joins `topic` on a raw socket with these postgres_changes bindings; resolves with the reply. */
export function joinRaw(
  socket: RawSocket,
  topic: string,
  postgres_changes: unknown[] = [],
  extra: object = {},
) {
  const ref = `join-${++joins}`;
  socket.send({
    topic,
    event: "phx_join",
    payload: { config: { postgres_changes }, ...extra },
    ref,
    join_ref: ref,
  });
  return socket.next((f) => f.event === "phx_reply" && f.ref === ref, `reply to join ${topic}`);
}

/** A realtime server on an HTTP server of its own, sharing the test server's database and secret. */
export async function standaloneRealtime(server: TestServer, options: RealtimeOptions) {
  const http = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const realtime = createRealtimeServer({
    server: http,
    sql: server.fluxbase.sql,
    verifyToken: server.fluxbase.verifyToken,
    logger: createLogger("error"),
    options,
  });
  await realtime.ready;
  return {
    http,
    realtime,
    base: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    async close() {
      await realtime.close();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

export async function insertJob(
  server: TestServer,
  owner: string | null,
  fields: { job_name?: string; status?: string; payload?: unknown } = {},
): Promise<string> {
  const [row] = await server.db.sql<{ id: string }[]>`
    insert into jobs.queue (function_id, job_name, created_by, status, payload)
    values ((select id from jobs.functions where name = ${fields.job_name ?? "work"}),
            ${fields.job_name ?? "work"}, ${owner}, ${fields.status ?? "pending"},
            ${server.db.sql.json((fields.payload ?? {}) as any)})
    returning id`;
  return row!.id;
}

/** A running job here has no worker: it gets a lease for an hour, or any process's reaper requeues it. */
export async function setProgress(server: TestServer, id: string, percent: number, status = "running") {
  await server.db.sql`
    update jobs.queue set status = ${status},
      progress = ${server.db.sql.json({ percent, message: `at ${percent}%` })}, last_progress_at = now(),
      lease_expires_at = case when ${status} = 'running' then coalesce(lease_expires_at, now() + interval '1 hour') end
    where id = ${id}`;
}
