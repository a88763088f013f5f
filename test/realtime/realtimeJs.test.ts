/**
 * The real @supabase/realtime-js client against the server: join, the join reply and the
 * "Subscribed to PostgreSQL" system message, INSERT/UPDATE payloads in the spec's shape, filters,
 * leave, token refresh with setAuth, and both protocol versions.
 */
import type { RealtimeClient } from "@supabase/realtime-js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { insertFunction, startTestServer, type TestServer, type TestUser } from "../support/server.ts";
import { eventually, insertJob, realtimeClient, setProgress, sleep, subscribe } from "./helpers.ts";

let server: TestServer;
let alice: TestUser;
const clients: RealtimeClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
  alice = await server.user();
  await insertFunction(server, { name: "work" });
});
afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect();
});
afterAll(() => server.stop());

const client = (options: Parameters<typeof realtimeClient>[2] = {}, apikey = server.anonKey) => {
  const c = realtimeClient(server.url, apikey, options);
  clients.push(c);
  return c;
};

describe.each(["1.0.0", "2.0.0"] as const)("realtime-js over vsn %s", (vsn) => {
  it("joins, is told it is subscribed, and receives INSERT and UPDATE in the spec's shape", async () => {
    const sub = await subscribe(client({ vsn, token: alice.token }), `table:jobs.queue:${vsn}`, [
      { event: "*", schema: "jobs", table: "queue" },
    ]);
    await eventually(() => sub.system.length > 0, { what: "the system message" });
    expect(sub.system[0]).toEqual({
      extension: "postgres_changes",
      status: "ok",
      message: "Subscribed to PostgreSQL",
      channel: `table:jobs.queue:${vsn}`,
    });

    const id = await insertJob(server, alice.id);
    const inserted = await eventually(() => sub.changes.find((c) => c.eventType === "INSERT"), {
      what: "INSERT",
    });
    expect(inserted).toMatchObject({
      schema: "jobs",
      table: "queue",
      eventType: "INSERT",
      old: {},
      errors: null,
      new: { id, job_name: "work", status: "pending", created_by: alice.id, namespace: "default" },
    });
    expect(Number.isNaN(Date.parse(inserted.commit_timestamp))).toBe(false);
    expect(inserted.new).not.toHaveProperty("lease_token");
    expect(inserted.new).not.toHaveProperty("idempotency_key");

    await setProgress(server, id, 50);
    const updated = await eventually(() => sub.changes.find((c) => c.eventType === "UPDATE"), {
      what: "UPDATE",
    });
    expect(updated).toMatchObject({
      eventType: "UPDATE",
      new: {
        id,
        status: "running",
        progress: { percent: 50, message: "at 50%" },
        retry_count: 0,
        max_retries: 3,
      },
      old: { id, status: "pending" },
    });
    expect(typeof updated.new.created_at).toBe("string");
    expect(typeof updated.new.last_progress_at).toBe("string");
  });

  it("filters with status=eq.running and stops delivering after leave", async () => {
    const c = client({ vsn, token: alice.token });
    // Two bindings on one channel: realtime-js routes each change by the binding ids the server matched.
    const all: string[] = [];
    const channel = c
      .channel(`jobs:running:${vsn}`)
      .on("postgres_changes", { event: "UPDATE", schema: "jobs", table: "queue" }, (p) =>
        all.push((p.new as { status: string }).status),
      );
    const sub = await subscribe(c, `jobs:running:${vsn}`, [
      { event: "UPDATE", schema: "jobs", table: "queue", filter: "status=eq.running" },
    ]);
    expect(sub.channel).toBe(channel);
    const id = await insertJob(server, alice.id);
    // Each event carries the row as read just after its NOTIFY, so wait for one before the next write.
    for (const [n, [percent, status]] of (
      [
        [10, "pending"],
        [20, "running"],
        [100, "completed"],
      ] as const
    ).entries()) {
      await setProgress(server, id, percent, status);
      await eventually(() => all.length === n + 1, { what: `update ${n + 1}` });
    }
    expect(all).toEqual(["pending", "running", "completed"]);
    expect(sub.changes.map((c) => [c.new.status, c.new.progress.percent])).toEqual([["running", 20]]);

    expect(await sub.channel.unsubscribe()).toBe("ok");
    await setProgress(server, id, 30, "running");
    await sleep(300);
    expect(sub.changes).toHaveLength(1);
  });

  it("picks up a new identity from setAuth on a joined channel", async () => {
    const c = client({ vsn }); // joined as the anon key: alice's jobs are invisible
    const sub = await subscribe(c, `auth:${vsn}`, [{ event: "UPDATE", schema: "jobs", table: "queue" }]);
    const id = await insertJob(server, alice.id);
    await setProgress(server, id, 1);
    await sleep(300);
    expect(sub.changes).toEqual([]);

    await c.setAuth(alice.token); // pushes access_token to the joined channel
    await sleep(100);
    await setProgress(server, id, 2);
    const change = await eventually(() => sub.changes[0], { what: "the update after setAuth" });
    expect(change.new).toMatchObject({ id, progress: { percent: 2 } });
  });

  it("closes the channel when setAuth sends an invalid token", async () => {
    const c = client({ vsn, token: alice.token });
    const sub = await subscribe(c, `bad-auth:${vsn}`, [{ event: "*", schema: "jobs", table: "queue" }]);
    await c.setAuth("not-a-jwt");
    await eventually(() => sub.statuses.includes("CLOSED"), { what: "CLOSED" });
    expect(sub.system.at(-1)).toMatchObject({ extension: "system", status: "error" });
    expect(String(sub.system.at(-1)?.message)).toMatch(/Invalid token/);
  });

  it("answers a join to an unknown table with an error and no crash", async () => {
    const c = client({ vsn, token: alice.token });
    await expect(
      subscribe(c, `nope:${vsn}`, [{ event: "*", schema: "public", table: "secrets" }]),
    ).rejects.toThrow(/not available to realtime/);
  });
});
