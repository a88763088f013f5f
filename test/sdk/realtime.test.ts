/**
 * `client.realtime` against a real WebSocket server speaking Phoenix: the table-channel shorthand, the
 * payload shape, the access token, reconnect and re-join, and the lazy `ws` transport on Node 20.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createClient, type RealtimeChangePayload } from "../../sdk/src/index.ts";
import { eventually, type FakeServer, type PhoenixMessage, startFakeServer } from "./helpers/fakeServer.ts";

let server: FakeServer;

beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(() => server.close());

const fast = { reconnectAfterMs: () => 50, timeout: 2000 };
const joinOf = (topic: string) => (m: PhoenixMessage) =>
  m.event === "phx_join" && m.topic === `realtime:${topic}`;

describe("client.realtime", () => {
  it("turns .on('UPDATE') of table:<schema>.<table> into a postgres_changes binding and delivers changes", async () => {
    // Node 20 has no global WebSocket: this test also proves the lazy `ws` import works.
    expect(typeof (globalThis as { WebSocket?: unknown }).WebSocket).toBe("undefined");
    const client = createClient(server.url, "anon-key", { realtime: fast });
    const seen: RealtimeChangePayload[] = [];
    const statuses: string[] = [];
    const channel = client.realtime
      .channel("table:jobs.queue")
      .on("UPDATE", (payload) => seen.push(payload))
      .subscribe((status) => statuses.push(status));

    const join = await server.waitForMessage(joinOf("table:jobs.queue"));
    expect(join.payload.config.postgres_changes).toEqual([
      { event: "UPDATE", schema: "jobs", table: "queue" },
    ]);
    expect(join.payload.access_token).toBe("anon-key");
    const connection = server.connections.at(-1)!;
    expect(connection.searchParams.get("apikey")).toBe("anon-key");
    expect(connection.searchParams.get("vsn")).toBe("1.0.0");
    await eventually(() => statuses.includes("SUBSCRIBED"));

    const record = { id: "j1", status: "running", progress: { percent: 50, message: "half" } };
    server.pushChange("realtime:table:jobs.queue", {
      schema: "jobs",
      table: "queue",
      commit_timestamp: "2030-01-01T00:00:00Z",
      type: "UPDATE",
      record,
      old_record: { id: "j1" },
      errors: null,
      // No `columns`: the SDK fills them in so realtime-js does not crash.
    });
    await eventually(() => seen.length === 1);
    expect(seen[0]).toEqual({
      eventType: "UPDATE",
      schema: "jobs",
      table: "queue",
      commit_timestamp: "2030-01-01T00:00:00Z",
      new: record,
      old: { id: "j1" },
      errors: null,
    });

    expect(await channel.unsubscribe()).toBe("ok");
    await eventually(() => !client.realtime.isConnected());
    expect(client.realtime.getChannels()).toEqual([]);
  });

  it("passes postgres_changes filters through on any channel name, with an explicit ws transport", async () => {
    const client = createClient(server.url, "k", { realtime: { ...fast, transport: WebSocket } });
    const filter = { event: "UPDATE", schema: "jobs", table: "queue", filter: "status=eq.running" } as const;
    const channel = client.realtime.channel("jobs:running").on("postgres_changes", filter, () => {});
    channel.subscribe();
    const join = await server.waitForMessage(joinOf("jobs:running"));
    expect(join.payload.config.postgres_changes).toEqual([filter]);
    await client.realtime.removeAllChannels();
  });

  it("pushes a new access token to joined channels and uses it for later joins", async () => {
    const client = createClient(server.url, "anon-key", { realtime: fast });
    let subscribed = false;
    client.realtime
      .channel("table:app.items")
      .on("*", () => {})
      .subscribe((status) => {
        subscribed ||= status === "SUBSCRIBED";
      });
    await eventually(() => subscribed);
    await client.auth.setAccessToken("user-jwt");
    const pushed = await server.waitForMessage(
      (m) => m.event === "access_token" && m.topic === "realtime:table:app.items",
    );
    expect(pushed.payload).toEqual({ access_token: "user-jwt" });

    client.realtime
      .channel("table:other")
      .on("INSERT", () => {})
      .subscribe();
    const join = await server.waitForMessage(joinOf("table:other"));
    expect(join.payload.access_token).toBe("user-jwt");
    expect(join.payload.config.postgres_changes).toEqual([
      { event: "INSERT", schema: "public", table: "other" },
    ]);
    await client.realtime.removeAllChannels();
  });

  it("reconnects and re-joins after the server drops the socket", async () => {
    const client = createClient(server.url, "k", { realtime: fast });
    client.realtime
      .channel("table:jobs.rejoin")
      .on("UPDATE", () => {})
      .subscribe();
    await server.waitForMessage(joinOf("table:jobs.rejoin"));
    const joins = () => server.messages.filter(joinOf("table:jobs.rejoin")).length;
    expect(joins()).toBe(1);
    await eventually(() => client.realtime.isConnected());
    for (const socket of server.sockets) socket.terminate();
    await eventually(() => joins() === 2, 8000);
    await client.realtime.removeAllChannels();
  });

  it("survives unsubscribing while the socket is still connecting (ws would emit an unhandled error)", async () => {
    const hanging = await startFakeServer(undefined, { realtime: "hang" });
    try {
      const client = createClient(hanging.url, "k", { realtime: fast });
      const channel = client.realtime.channel("table:jobs.queue").on("UPDATE", () => {});
      channel.subscribe();
      await new Promise((resolve) => setTimeout(resolve, 100)); // ws loaded, upgrade request pending
      await channel.unsubscribe();
      await new Promise((resolve) => setTimeout(resolve, 100)); // ws emits its error on the next tick
      expect(client.realtime.isConnected()).toBe(false);
    } finally {
      await hanging.close();
    }
  });

  it("rejects the table shorthand on a channel that names no table", () => {
    const client = createClient(server.url, "k");
    expect(() => client.realtime.channel("jobs:running").on("UPDATE", () => {})).toThrow(
      /table:<schema>.<table>/,
    );
    expect(() => client.realtime.channel("table:x.y").on("TRUNCATE" as "UPDATE", () => {})).toThrow(
      /INSERT, UPDATE/,
    );
  });

  it("keeps the socket alive when a callback throws", async () => {
    const client = createClient(server.url, "k", { realtime: fast });
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      let calls = 0;
      let subscribed = false;
      client.realtime
        .channel("table:jobs.throws")
        .on("INSERT", () => {
          calls++;
          throw new Error("user bug");
        })
        .subscribe((status) => {
          subscribed ||= status === "SUBSCRIBED";
        });
      await eventually(() => subscribed);
      const change = {
        schema: "jobs",
        table: "throws",
        commit_timestamp: "t",
        type: "INSERT",
        record: { id: 1 },
      };
      server.pushChange("realtime:table:jobs.throws", change);
      server.pushChange("realtime:table:jobs.throws", change);
      await eventually(() => calls === 2);
      expect(errors).toHaveLength(2);
      expect(client.realtime.isConnected()).toBe(true);
    } finally {
      console.error = original;
      await client.realtime.removeAllChannels();
    }
  });
});
