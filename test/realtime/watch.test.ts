/**
 * The realtime server's watch on job changes: a job's updates are announced only while some realtime
 * server has channels joined. Real Postgres, a realtime server of its own with a short watch lifetime,
 * raw Phoenix sockets over loopback.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RealtimeServer } from "../../server/realtime/index.ts";
import { insertFunction, startTestServer, type TestServer, type TestUser } from "../support/server.ts";
import { eventually, insertJob, joinRaw, type RawSocket, rawSocket, standaloneRealtime } from "./helpers.ts";

let server: TestServer;
let alice: TestUser;
let realtime: RealtimeServer;
let base: string;
let closeRealtime: () => Promise<void>;

beforeAll(async () => {
  server = await startTestServer();
  alice = await server.user();
  await insertFunction(server, { name: "work" });
  ({ realtime, base, close: closeRealtime } = await standaloneRealtime(server, { watchTtlMs: 300 }));
});
afterAll(async () => {
  await closeRealtime?.();
  await server?.stop();
});

const liveWatches = async () => {
  const [row] = await server.db.sql<{ n: number }[]>`
    select count(*)::int as n from jobs.change_watchers where expires_at > now()`;
  return row!.n;
};

async function joinQueue(socket: RawSocket, topic: string) {
  const reply = await joinRaw(socket, topic, [{ event: "*", schema: "jobs", table: "queue" }]);
  expect(reply.payload.status).toBe("ok");
}

/** A change that shows the job in `status` (a replayed one may say INSERT: the job is that recent). */
const updated = (socket: RawSocket, id: string, status: string) =>
  socket.next(
    (f) =>
      f.event === "postgres_changes" &&
      f.payload.data.record.id === id &&
      f.payload.data.record.status === status,
    `${status} of ${id}`,
  );

it("watches from the join's answer on, and lets the watch lapse once no channel is joined", async () => {
  expect(await liveWatches()).toBe(0);
  const socket = await rawSocket(base, alice.token);
  await joinQueue(socket, "realtime:watch");
  expect(await liveWatches()).toBe(1);
  const id = await insertJob(server, alice.id);
  await server.db.sql`update jobs.queue set status = 'running' where id = ${id}`;
  await updated(socket, id, "running");
  // Renewed while joined: still live after several lifetimes.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(await liveWatches()).toBe(1);
  await server.db.sql`update jobs.queue set status = 'completed' where id = ${id}`;
  await updated(socket, id, "completed");

  socket.ws.close();
  await eventually(async () => (await liveWatches()) === 0, { what: "the watch to lapse", timeout: 3000 });
});

it("replays the changes made while its watch had lapsed", async () => {
  const socket = await rawSocket(base, alice.token);
  await joinQueue(socket, "realtime:lapse");
  const id = await insertJob(server, alice.id);
  const replayedBefore = realtime.stats().resyncedChanges;
  // The watch lapses (as when renewals fail while the database is away) and a job fails meanwhile:
  // its update is not announced, and the next renewal finds the lapse.
  await server.db.sql.begin(async (tx) => {
    await tx`update jobs.change_watchers set expires_at = now() - interval '1 second'`;
    await tx`update jobs.queue set status = 'failed', error_message = 'boom' where id = ${id}`;
  });
  const change = await updated(socket, id, "failed");
  expect(change.payload.data.record).toMatchObject({ id, status: "failed", error_message: "boom" });
  expect(realtime.stats().resyncedChanges).toBeGreaterThan(replayedBefore);
  socket.ws.close();
});

it("ends its watch when it closes, without waiting for it to lapse", async () => {
  const socket = await rawSocket(base, alice.token);
  await joinQueue(socket, "realtime:closing");
  expect(await liveWatches()).toBe(1);
  await realtime.close();
  const [row] = await server.db.sql<{ n: number }[]>`select count(*)::int as n from jobs.change_watchers`;
  expect(row!.n).toBe(0);
});
