/**
 * Floods from clients holding only the public anon key: fragment amplification, and one user's
 * sockets and joins crowding out everyone else. The server's own realtime, default limits.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { insertFunction, startTestServer, type TestServer } from "../support/server.ts";
import { eventually, insertJob, type RawSocket, rawSocket, wsUrl } from "./helpers.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

describe("fragment amplification", () => {
  it("closes a socket that splits one message into endless one-byte frames, holding little memory", async () => {
    const sockets = await Promise.all(
      Array.from({ length: 40 }, () => rawSocket(server.url, server.anonKey)),
    );
    const before = process.memoryUsage().rss;
    let sentFrames = 0;
    for (const socket of sockets) {
      // 65,000 continuation frames of one byte, never FIN: one message the server would have to keep.
      for (let i = 0; i < 65_000 && socket.ws.readyState === socket.ws.OPEN; i++) {
        socket.ws.send("x", { fin: false });
        sentFrames++;
      }
    }
    const closes = await Promise.all(sockets.map((socket) => socket.closed));
    for (const close of closes) expect(close.code).toBe(1008);
    const grownMb = (process.memoryUsage().rss - before) / 1024 / 1024;
    // The server (in this process) kept at most 128 fragments per socket; the clients' own send
    // buffers are in this figure too. Without the cap it grew by ~300 MB and stayed.
    expect(grownMb).toBeLessThan(120);
    expect(sentFrames).toBeGreaterThan(0);
    // The server still serves.
    const fresh = await rawSocket(server.url, server.anonKey);
    fresh.send({ topic: "phoenix", event: "heartbeat", payload: {}, ref: "1" });
    await fresh.next((f) => f.ref === "1", "heartbeat reply");
    fresh.ws.close();
  });
});

describe("per-user and per-address limits", () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({
      realtime: { maxSocketsPerUser: 3, maxSocketsPerIp: 8, joinsPerSecond: 2 },
    });
    await insertFunction(limited, { name: "work" });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  const url = (token: string) =>
    `${wsUrl(limited.url)}/realtime/v1/websocket?apikey=${encodeURIComponent(token)}&vsn=1.0.0`;

  /** An upgrade that must be refused: its status and JSON body. */
  function refused(token: string): Promise<{ status: number; body: { code: string; error: string } }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url(token));
      ws.on("unexpected-response", (_req, res) => {
        let text = "";
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      });
      ws.on("open", () => {
        ws.close();
        reject(new Error("the upgrade was accepted"));
      });
    });
  }

  let refs = 0;
  function join(socket: RawSocket, token: string) {
    const ref = String(++refs);
    socket.send({
      topic: `realtime:t${ref}`,
      event: "phx_join",
      payload: {
        config: { postgres_changes: [{ event: "*", schema: "jobs", table: "queue" }] },
        access_token: token,
      },
      ref,
      join_ref: ref,
    });
    return socket.next((f) => f.event === "phx_reply" && f.ref === ref, `reply to join ${ref}`);
  }

  it("refuses a user's socket past the limit with 429, and takes one again once another closes", async () => {
    const alice = await limited.user();
    const mine = await Promise.all([1, 2, 3].map(() => rawSocket(limited.url, alice.token)));
    const over = await refused(alice.token);
    expect(over.status).toBe(429);
    expect(over.body.code).toBe("TOO_MANY_SOCKETS_FOR_USER");
    // Another user is not affected.
    const bob = await limited.user();
    const bobs = await rawSocket(limited.url, bob.token);
    mine[0]!.ws.close();
    await mine[0]!.closed;
    await eventually(
      async () => {
        const again = await rawSocket(limited.url, alice.token).catch(() => undefined);
        if (again) mine[0] = again;
        return again;
      },
      { what: "a socket for alice after closing one" },
    );
    for (const socket of [...mine, bobs]) socket.ws.close();
    await Promise.all([...mine, bobs].map((socket) => socket.closed));
  });

  it("refuses sockets from one address past its limit; the service key is not limited", async () => {
    const sockets = await Promise.all(
      Array.from({ length: 8 }, () => rawSocket(limited.url, limited.anonKey)),
    );
    const over = await refused(limited.anonKey);
    expect(over.status).toBe(429);
    expect(over.body.code).toBe("TOO_MANY_SOCKETS_FROM_ADDRESS");
    const service = await rawSocket(limited.url, limited.serviceKey);
    for (const socket of [...sockets, service]) socket.ws.close();
    await Promise.all([...sockets, service].map((socket) => socket.closed));
  });

  it("answers joins past one user's rate with an error while another user's joins and events flow", async () => {
    const flooder = await limited.user();
    const calm = await limited.user();
    const flooding = await rawSocket(limited.url, flooder.token);
    const replies = [];
    // The burst is five seconds' worth (10 joins at 2 per second); the rest are refused at once.
    for (let i = 0; i < 30; i++) replies.push(await join(flooding, flooder.token));
    const refusedJoins = replies.filter((r) => r.payload.status === "error");
    expect(refusedJoins.length).toBeGreaterThanOrEqual(15);
    expect(refusedJoins[0].payload.response.reason).toMatch(/^too many joins: at most 2 per second/);
    // The other user joins at once and gets their own job's change.
    const calmSocket = await rawSocket(limited.url, calm.token);
    expect((await join(calmSocket, calm.token)).payload.status).toBe("ok");
    await insertJob(limited, calm.id);
    await calmSocket.next((f) => f.event === "postgres_changes", "calm user's change");
    for (const socket of [flooding, calmSocket]) socket.ws.close();
  });
});
