/**
 * Realtime respects row-level security as each subscriber: a dozen subscribers of different users
 * and roles on jobs.queue and jobs.logs each get exactly the changes they may see (DELETEs included),
 * a filter on someone else's job id yields nothing, and an expiring token stops delivery.
 */
import type { RealtimeClient } from "@supabase/realtime-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertFunction, startTestServer, type TestServer, type TestUser } from "../support/server.ts";
import {
  type Change,
  eventually,
  insertJob,
  realtimeClient,
  type Subscription,
  setProgress,
  sleep,
  subscribe,
} from "./helpers.ts";

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let editor: TestUser; // a custom role claim: a user, not an admin
let admin: TestUser;
let dashboardAdmin: TestUser;
const clients: RealtimeClient[] = [];

const connect = (token?: string) => {
  const client = realtimeClient(server.url, server.anonKey, { token });
  clients.push(client);
  return client;
};

type Who = "anon" | "alice" | "alice2" | "bob" | "carol" | "editor" | "admin" | "dashboardAdmin" | "service";
const subs = new Map<Who, Subscription>();
let aliceSpy: Subscription; // alice filtering on bob's job id
let bobRunning: Subscription; // bob, only his running jobs
let adminOnAlice: Subscription; // an admin, only alice's jobs
let bobOnAliceLogs: Subscription;
const logSubs = new Map<Who, Subscription>();

beforeAll(async () => {
  server = await startTestServer();
  [alice, bob, carol, editor, admin, dashboardAdmin] = [
    await server.user(),
    await server.user(),
    await server.user(),
    await server.user("editor"),
    await server.user("admin"),
    await server.user("dashboard_admin"),
  ];
  await insertFunction(server, { name: "work" });
  const tokens: Record<Who, string | undefined> = {
    anon: undefined,
    alice: alice.token,
    alice2: alice.token,
    bob: bob.token,
    carol: carol.token,
    editor: editor.token,
    admin: admin.token,
    dashboardAdmin: dashboardAdmin.token,
    service: server.serviceKey,
  };
  for (const [who, token] of Object.entries(tokens) as [Who, string | undefined][]) {
    subs.set(
      who,
      await subscribe(connect(token), "table:jobs.queue", [{ event: "*", schema: "jobs", table: "queue" }]),
    );
    logSubs.set(
      who,
      await subscribe(connect(token), "table:jobs.logs", [{ event: "*", schema: "jobs", table: "logs" }]),
    );
  }
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await server.stop();
});

const seen = (sub: Subscription) => sub.changes.map((c) => `${c.eventType} ${c.new.id ?? c.old.id}`);

/** Waits until the admin (who sees everything) has `count` changes, then lets the others catch up. */
async function settle(sub: Subscription, count: number) {
  await eventually(() => sub.changes.length >= count, { what: `${count} changes` });
  await sleep(150);
}

describe("realtime RLS on jobs.queue", () => {
  let aliceJob: string;
  let bobJob: string;
  let orphanJob: string;

  it("delivers each subscriber exactly the jobs it may see", async () => {
    aliceJob = await insertJob(server, alice.id);
    bobJob = await insertJob(server, bob.id);
    orphanJob = await insertJob(server, null); // no owner: only admins and the service role
    aliceSpy = await subscribe(connect(alice.token), "spy", [
      { event: "*", schema: "jobs", table: "queue", filter: `id=eq.${bobJob}` },
    ]);
    bobRunning = await subscribe(connect(bob.token), "bob-running", [
      { event: "UPDATE", schema: "jobs", table: "queue", filter: "status=eq.running" },
    ]);
    adminOnAlice = await subscribe(connect(admin.token), "admin-on-alice", [
      { event: "*", schema: "jobs", table: "queue", filter: `created_by=eq.${alice.id}` },
    ]);
    for (const id of [aliceJob, bobJob, orphanJob]) await setProgress(server, id, 40);
    await settle(subs.get("admin")!, 6);

    const all = [aliceJob, bobJob, orphanJob].map((id) => `INSERT ${id}`);
    all.push(...[aliceJob, bobJob, orphanJob].map((id) => `UPDATE ${id}`));
    const only = (id: string) => all.filter((e) => e.endsWith(id));
    expect(seen(subs.get("admin")!)).toEqual(all);
    expect(seen(subs.get("dashboardAdmin")!)).toEqual(all);
    expect(seen(subs.get("service")!)).toEqual(all);
    expect(seen(subs.get("alice")!)).toEqual(only(aliceJob));
    expect(seen(subs.get("alice2")!)).toEqual(only(aliceJob));
    expect(seen(subs.get("bob")!)).toEqual(only(bobJob));
    expect(seen(subs.get("carol")!)).toEqual([]);
    expect(seen(subs.get("editor")!)).toEqual([]);
    expect(seen(subs.get("anon")!)).toEqual([]);
    expect(aliceSpy.changes).toEqual([]); // filtering on bob's job id does not get around RLS
    expect(seen(bobRunning)).toEqual([`UPDATE ${bobJob}`]);
    expect(seen(adminOnAlice)).toEqual([`UPDATE ${aliceJob}`]); // joined after the inserts
  });

  it("delivers log lines only to the job's owner and admins", async () => {
    bobOnAliceLogs = await subscribe(
      realtimeClient(server.url, server.anonKey, { token: bob.token }),
      "bob-logs",
      [{ event: "INSERT", schema: "jobs", table: "logs", filter: `job_id=eq.${aliceJob}` }],
    );
    await server.db.sql`
      insert into jobs.logs (job_id, line_number, message) values
        (${aliceJob}, 1, 'alice line 1'), (${aliceJob}, 2, 'alice line 2'), (${bobJob}, 1, 'bob line')`;
    await settle(logSubs.get("admin")!, 3);
    const lines = (who: Who) => logSubs.get(who)!.changes.map((c: Change) => c.new.message);
    expect(lines("admin")).toEqual(["alice line 1", "alice line 2", "bob line"]);
    expect(lines("service")).toEqual(["alice line 1", "alice line 2", "bob line"]);
    expect(lines("alice")).toEqual(["alice line 1", "alice line 2"]);
    expect(lines("bob")).toEqual(["bob line"]);
    for (const who of ["carol", "editor", "anon"] as const) expect(lines(who)).toEqual([]);
    expect(bobOnAliceLogs.changes).toEqual([]);
    expect(logSubs.get("alice")!.changes[0]).toMatchObject({
      eventType: "INSERT",
      table: "logs",
      new: { job_id: aliceJob, line_number: 1, level: "info", message: "alice line 1" },
    });
  });

  it("does not leak DELETEs: only those who could see the job hear of it", async () => {
    const before = new Map([...subs].map(([who, sub]) => [who, sub.changes.length]));
    await server.db.sql`delete from jobs.queue where id in ${server.db.sql([aliceJob, orphanJob])}`;
    await settle(subs.get("admin")!, before.get("admin")! + 2);
    const deletes = (who: Who) =>
      subs
        .get(who)!
        .changes.slice(before.get(who))
        .map((c) => `${c.eventType} ${c.old.id}`)
        .sort();
    const both = [`DELETE ${aliceJob}`, `DELETE ${orphanJob}`].sort();
    expect(deletes("admin")).toEqual(both);
    expect(deletes("dashboardAdmin")).toEqual(both);
    expect(deletes("service")).toEqual(both);
    expect(deletes("alice")).toEqual([`DELETE ${aliceJob}`]);
    expect(deletes("alice2")).toEqual([`DELETE ${aliceJob}`]);
    for (const who of ["bob", "carol", "editor", "anon"] as const) expect(deletes(who)).toEqual([]);
    const aliceDelete = subs.get("alice")!.changes.at(-1)!;
    expect(aliceDelete).toMatchObject({
      eventType: "DELETE",
      new: {},
      old: { id: aliceJob, created_by: alice.id },
    });
    // The ghost row used for the check was rolled back.
    expect(
      await server.db.sql`select id from jobs.queue where id in ${server.db.sql([aliceJob, orphanJob])}`,
    ).toEqual([]);
  });
});

describe("realtime RLS on jobs.workers", () => {
  it("shows worker changes to admins and the service role only", async () => {
    const workerSubs = new Map<Who, Subscription>();
    for (const [who, token] of [
      ["alice", alice.token],
      ["anon", undefined],
      ["admin", admin.token],
      ["service", server.serviceKey],
    ] as const) {
      workerSubs.set(
        who,
        await subscribe(connect(token), "workers", [{ event: "*", schema: "jobs", table: "workers" }]),
      );
    }
    const [worker] = await server.db.sql<{ id: string }[]>`
      insert into jobs.workers (name, hostname, pid, max_concurrent_jobs) values ('w1', 'host', 1, 2) returning id`;
    // The row is read after its NOTIFY: let the INSERT be read before the row goes away.
    await settle(workerSubs.get("admin")!, 1);
    await server.db.sql`delete from jobs.workers where id = ${worker!.id}`;
    await settle(workerSubs.get("admin")!, 2);
    const events = (who: Who) =>
      workerSubs.get(who)!.changes.map((c) => `${c.eventType} ${c.new.id ?? c.old.id}`);
    const both = [`INSERT ${worker!.id}`, `DELETE ${worker!.id}`];
    expect(events("admin")).toEqual(both);
    expect(events("service")).toEqual(both);
    expect(events("alice")).toEqual([]);
    expect(events("anon")).toEqual([]);
  });
});

describe("token expiry", () => {
  it("closes the channel when the subscriber's token expires and delivers nothing after", async () => {
    const erin = await server.user();
    const shortToken = await server.token({ role: "authenticated", sub: erin.id, expiresIn: 2 });
    const sub = await subscribe(connect(shortToken), "expiring", [
      { event: "*", schema: "jobs", table: "queue" },
    ]);
    const job = await insertJob(server, erin.id);
    await eventually(() => sub.changes.length === 1, { what: "the insert" });
    await eventually(() => sub.statuses.includes("CLOSED"), { timeout: 4000, what: "the channel to close" });
    expect(sub.system.at(-1)).toMatchObject({
      extension: "system",
      status: "error",
      message: "Token has expired",
    });
    await setProgress(server, job, 90);
    await sleep(300);
    expect(sub.changes).toHaveLength(1);
  });
});
