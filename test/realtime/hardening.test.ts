/**
 * The realtime server under abuse, on its own HTTP server with fast timers: refused upgrades, bad
 * frames, too many channels, oversized frames, a peer that vanished without FIN, a slow consumer,
 * a lost LISTEN connection, one RLS check per identity, and close(). Healthy clients keep being served.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RealtimeServer } from "../../server/realtime/index.ts";
import { insertFunction, startTestServer, type TestServer, type TestUser } from "../support/server.ts";
import {
  eventually,
  insertJob,
  joinRaw,
  type RawSocket,
  rawSocket,
  refusedStatus,
  setProgress,
  standaloneRealtime,
  wsUrl,
} from "./helpers.ts";

let server: TestServer;
let realtime: RealtimeServer;
let base: string;
let alice: TestUser;

const options = {
  pingIntervalMs: 150,
  maxPayload: 4096,
  maxChannelsPerSocket: 3,
  maxBufferedBytes: 256 * 1024,
  listenerCheckIntervalMs: 500,
};

let closeMain: () => Promise<void>;
beforeAll(async () => {
  server = await startTestServer();
  alice = await server.user();
  await insertFunction(server, { name: "work" });
  ({ realtime, base, close: closeMain } = await standaloneRealtime(server, options));
});
afterAll(async () => {
  await closeMain();
  await server.stop();
});

async function open(token = alice.token, vsn = "1.0.0") {
  return rawSocket(base, token, { vsn });
}

let refs = 0;
const queueBinding = { event: "*", schema: "jobs", table: "queue" };

async function healthy(socket: RawSocket) {
  const ref = String(++refs);
  socket.send({ topic: "phoenix", event: "heartbeat", payload: {}, ref });
  const reply = await socket.next((f) => f.ref === ref, "heartbeat reply");
  expect(reply).toEqual({
    topic: "phoenix",
    event: "phx_reply",
    payload: { status: "ok", response: {} },
    ref,
  });
}

describe("upgrade", () => {
  it("refuses a missing or invalid token with 401, a bad vsn with 400 and another path with 404", async () => {
    const url = `${wsUrl(base)}/realtime/v1/websocket`;
    expect(await refusedStatus(`${url}?vsn=1.0.0`)).toBe(401);
    expect(await refusedStatus(`${url}?apikey=nope&vsn=1.0.0`)).toBe(401);
    const expired = await server.token({ role: "anon", expiresIn: -10 });
    expect(await refusedStatus(`${url}?apikey=${expired}`)).toBe(401);
    expect(await refusedStatus(url, { apikey: "bad" })).toBe(401);
    expect(await refusedStatus(`${url}?apikey=${server.anonKey}&vsn=3.0.0`)).toBe(400);
    expect(await refusedStatus(`${wsUrl(base)}/elsewhere?apikey=${server.anonKey}`)).toBe(404);
    expect(realtime.stats().upgradesRefused).toBeGreaterThanOrEqual(5);
  });

  it("accepts the apikey header too", async () => {
    const { default: WebSocket } = await import("ws");
    const ws = new WebSocket(`${wsUrl(base)}/realtime/v1/websocket?vsn=2.0.0`, {
      headers: { apikey: server.anonKey },
    });
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    ws.send(JSON.stringify([null, "1", "phoenix", "heartbeat", {}]));
    const [reply] = await new Promise<unknown[]>((resolve) =>
      ws.once("message", (d) => resolve([JSON.parse(String(d))])),
    );
    expect(reply).toEqual([null, "1", "phoenix", "phx_reply", { status: "ok", response: {} }]);
    ws.close();
  });
});

describe("protocol", () => {
  it("answers the join with the bindings in order and their ids, then the system message", async () => {
    const socket = await open();
    const bindings = [
      { event: "INSERT", schema: "jobs", table: "queue" },
      { event: "UPDATE", schema: "jobs", table: "queue", filter: "status=eq.running" },
      { event: "*", schema: "jobs", table: "logs", filter: "line_number=gte.2" },
      {
        event: "DELETE",
        schema: "jobs",
        table: "queue",
        filter: "id=in.(a0000000-0000-0000-0000-000000000000,b0000000-0000-0000-0000-000000000000)",
      },
    ];
    const reply = await joinRaw(socket, "realtime:many", bindings);
    expect(reply.payload.status).toBe("ok");
    const listed = reply.payload.response.postgres_changes;
    expect(listed.map(({ id: _id, ...rest }: { id: number }) => rest)).toEqual(bindings);
    expect(new Set(listed.map((b: { id: number }) => b.id)).size).toBe(4);
    const system = await socket.next((f) => f.event === "system", "system message");
    expect(system).toEqual({
      topic: "realtime:many",
      event: "system",
      payload: {
        extension: "postgres_changes",
        status: "ok",
        message: "Subscribed to PostgreSQL",
        channel: "many",
      },
      ref: null,
    });
  });

  it("answers bad frames with errors or a clean close, and keeps serving", async () => {
    const socket = await open();
    const reply = async (frame: object, what: string) => {
      socket.send(frame);
      return (await socket.next((f) => f.ref === (frame as { ref: string }).ref, what)).payload;
    };
    expect(
      await reply({ topic: "phoenix", event: "dance", payload: {}, ref: "a1" }, "phoenix unknown"),
    ).toMatchObject({
      status: "error",
    });
    expect(
      await reply({ topic: "realtime:x", event: "broadcast", payload: {}, ref: "a2" }, "unmatched"),
    ).toEqual({
      status: "error",
      response: { reason: "unmatched topic" },
    });
    expect(await reply({ topic: "realtime:x", event: 7, payload: {}, ref: "a3" }, "bad event")).toMatchObject(
      {
        status: "error",
      },
    );
    const bad = [
      [{ event: "*", schema: "public", table: "users" }, /not available/],
      [{ event: "TRUNCATE", schema: "jobs", table: "queue" }, /event must be/],
      [{ event: "*", schema: "jobs", table: "queue", filter: "lease_token=eq.x" }, /does not exist/],
      [{ event: "*", schema: "jobs", table: "queue", filter: "status=like.run%" }, /operator/],
      [{ event: "*", schema: "jobs", table: "queue", filter: "priority=gt.high" }, /not a valid int4/],
      [{ event: "*", schema: "jobs", table: "queue", filter: "payload=eq.{}" }, /cannot be filtered/],
      [{ event: "*", schema: "jobs", table: "queue", filter: "nonsense" }, /column=op.value/],
    ] as const;
    for (const [binding, reason] of bad) {
      const answer = await joinRaw(socket, "realtime:bad", [binding]);
      expect(answer.payload.status).toBe("error");
      expect(answer.payload.response.reason).toMatch(reason);
    }
    const badToken = await joinRaw(socket, "realtime:bad", [queueBinding], { access_token: "x.y.z" });
    expect(badToken.payload.response.reason).toMatch(/invalid access_token/);

    expect((await joinRaw(socket, "realtime:ok", [queueBinding])).payload.status).toBe("ok");
    expect(
      await reply({ topic: "realtime:ok", event: "whatever", payload: {}, ref: "a4" }, "unknown event"),
    ).toEqual({
      status: "error",
      response: { reason: 'unknown event "whatever"' },
    });
    expect(
      await reply(
        { topic: "realtime:ok", event: "presence", payload: { type: "presence" }, ref: "a5" },
        "presence",
      ),
    ).toEqual({
      status: "ok",
      response: {},
    });
    await healthy(socket);

    socket.send("{not json");
    expect(await socket.closed).toEqual({ code: 1007, reason: "malformed JSON" });
    const noTopic = await open();
    noTopic.send({ topic: 7, event: "phx_join", payload: {}, ref: "1" });
    expect((await noTopic.closed).code).toBe(1007);
    const binary = await open();
    binary.ws.send(Buffer.from([1, 2, 3]));
    expect((await binary.closed).code).toBe(1003);
    const big = await open();
    big.send({ topic: "realtime:big", event: "phx_join", payload: { junk: "x".repeat(8000) }, ref: "1" });
    expect((await big.closed).code).toBe(1009);
    await healthy(await open());
  });

  it("caps channels per connection", async () => {
    const socket = await open();
    for (const n of [1, 2, 3]) expect((await joinRaw(socket, `realtime:c${n}`)).payload.status).toBe("ok");
    const fourth = await joinRaw(socket, "realtime:c4");
    expect(fourth.payload).toEqual({
      status: "error",
      response: { reason: "too many channels: at most 3 per connection" },
    });
    // Re-joining a topic replaces it (the old join is closed) rather than counting twice.
    const again = await joinRaw(socket, "realtime:c3");
    expect(again.payload.status).toBe("ok");
    await socket.next(
      (f) => f.event === "phx_close" && f.topic === "realtime:c3",
      "phx_close of the first join",
    );
    await healthy(socket);
  });

  it("speaks vsn 2.0.0 arrays, with the channel's join ref on pushes", async () => {
    const socket = await open(alice.token, "2.0.0");
    socket.send(["9", "9", "realtime:v2", "phx_join", { config: { postgres_changes: [queueBinding] } }]);
    const reply = await socket.next((f) => f[1] === "9", "v2 join reply");
    expect(reply.slice(0, 4)).toEqual(["9", "9", "realtime:v2", "phx_reply"]);
    expect(reply[4].status).toBe("ok");
    const id = await insertJob(server, alice.id);
    const change = await socket.next((f) => f[3] === "postgres_changes", "v2 change");
    expect(change.slice(0, 3)).toEqual(["9", null, "realtime:v2"]);
    expect(change[4]).toMatchObject({
      ids: [reply[4].response.postgres_changes[0].id],
      data: {
        type: "INSERT",
        eventType: "INSERT",
        schema: "jobs",
        table: "queue",
        record: { id },
        new: { id },
        old_record: null,
      },
    });
    expect(change[4].data.columns).toContainEqual({ name: "progress", type: "jsonb" });
    expect(change[4].data.columns.map((c: { name: string }) => c.name)).not.toContain("lease_token");
  });
});

describe("fan-out", () => {
  it("reads a change once per identity, however many subscribers share it", async () => {
    const same = await Promise.all(Array.from({ length: 10 }, () => open()));
    for (const socket of same)
      expect((await joinRaw(socket, "realtime:same", [queueBinding])).payload.status).toBe("ok");
    const admin = await server.user("admin");
    const other = await open(admin.token);
    await joinRaw(other, "realtime:same", [queueBinding]);
    const id = await insertJob(server, alice.id);
    await Promise.all([...same, other].map((s) => s.next((f) => f.event === "postgres_changes", "change")));
    const before = realtime.stats().rlsChecks;
    await setProgress(server, id, 5);
    await Promise.all(
      [...same, other].map((s) =>
        s.next((f) => f.event === "postgres_changes" && f.payload.data.type === "UPDATE", "update"),
      ),
    );
    // alice (10 sockets, one token) + admin; plus one per other socket still joined by earlier tests.
    const identities = new Set([alice.token, admin.token]).size;
    const delta = realtime.stats().rlsChecks - before;
    expect(delta).toBeGreaterThanOrEqual(identities);
    expect(delta).toBeLessThanOrEqual(identities + 2);
    for (const socket of [...same, other]) socket.ws.close();
  });

  it("resumes after the LISTEN connection is killed, replaying what it missed", async () => {
    const socket = await open();
    await joinRaw(socket, "realtime:relisten", [{ ...queueBinding, filter: "status=eq.failed" }]);
    const id = await insertJob(server, alice.id);
    const reconnectsBefore = realtime.stats().listenerReconnects;
    // Kill the listener and write in the same breath: the NOTIFY likely fires before LISTEN is back.
    await server.db.sql.begin(async (tx) => {
      await tx`select pg_terminate_backend(pid) from pg_stat_activity
               where datname = current_database() and query ilike 'listen%'`;
      await tx`update jobs.queue set status = 'failed', error_message = 'boom' where id = ${id}`;
    });
    const change = await socket.next(
      (f) => f.event === "postgres_changes",
      "the change after reconnect",
      8000,
    );
    expect(change.payload.data.record).toMatchObject({ id, status: "failed", error_message: "boom" });
    await eventually(() => realtime.stats().listenerReconnects > reconnectsBefore, { what: "a reconnect" });
    expect(realtime.stats().listening).toBe(true);
    await setProgress(server, id, 1, "failed");
    await socket.next(
      (f) => f.event === "postgres_changes" && f.payload.data.record.progress?.percent === 1,
      "a live change",
    );
  });
});

describe("dead and slow peers", () => {
  it("drops a peer that completed the upgrade and then went silent (no FIN)", async () => {
    const before = realtime.stats();
    const port = Number(new URL(base).port);
    const tcp = net.connect(port, "127.0.0.1");
    await new Promise((resolve) => tcp.once("connect", resolve));
    tcp.write(
      `GET /realtime/v1/websocket?apikey=${alice.token}&vsn=1.0.0 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n` +
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    const head = await new Promise<string>((resolve) => tcp.once("data", (d) => resolve(String(d))));
    expect(head).toMatch(/^HTTP\/1.1 101/);
    tcp.pause(); // never read again, never answer a ping
    await eventually(() => realtime.stats().connections === before.connections, {
      timeout: 3000,
      what: "cleanup",
    });
    expect(realtime.stats().deadPeersTerminated).toBeGreaterThan(before.deadPeersTerminated);
    tcp.destroy();
  });

  it("cuts off a consumer that stops reading while others keep receiving", async () => {
    // Its own instance with a slow ping, so the silent reader is cut for its backlog, not as a dead peer.
    const own = await standaloneRealtime(server, { pingIntervalMs: 60_000, maxBufferedBytes: 256 * 1024 });
    try {
      const slow = await rawSocket(own.base, server.serviceKey);
      const fine = await rawSocket(own.base, server.serviceKey);
      await joinRaw(slow, "realtime:flood", [queueBinding]);
      await joinRaw(fine, "realtime:flood", [queueBinding]);
      const id = await insertJob(server, alice.id, { payload: { blob: "z".repeat(200_000) } });
      (slow.ws as unknown as { _socket: net.Socket })._socket.pause();
      for (let i = 1; i <= 100 && own.realtime.stats().slowConsumersCut === 0; i++) {
        await setProgress(server, id, i);
        await fine.next((f) => f.payload?.data?.record?.progress?.percent === i, `update ${i}`);
      }
      expect(own.realtime.stats()).toMatchObject({ slowConsumersCut: 1, connections: 1 });
      await healthy(fine);
      fine.ws.close();
      slow.ws.terminate();
    } finally {
      await own.close();
    }
  });
});

describe("close", () => {
  it("terminates every socket and stops listening", async () => {
    const socket = await open();
    await joinRaw(socket, "realtime:bye", [queueBinding]);
    await realtime.close();
    await socket.closed;
    expect(realtime.stats()).toMatchObject({ connections: 0, channels: 0, listening: false });
    await realtime.close(); // idempotent
    expect(await refusedStatus(`${wsUrl(base)}/realtime/v1/websocket?apikey=${server.anonKey}`)).toBe(404);
  });
});
