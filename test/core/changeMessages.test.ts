/**
 * The queue's change notifications for statements that move many rows at once: every row's change is
 * announced, with what realtime and the workers read from it, in NOTIFY payloads under Postgres's
 * 8000-byte limit. Real Postgres, LISTEN on the changes channel.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { type ChangeNotification, parseNotifications } from "../../server/db/changeNotification.ts";
import { changesChannel } from "../../server/db/notifyChannels.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

it("announces each of 300 rows inserted, updated and deleted by one statement each, in payloads under 8000 bytes", async () => {
  const payloads: string[] = [];
  const changes: ChangeNotification[] = [];
  const jobName = "many-at-once";
  const listener = await server.db.sql.listen(changesChannel, (raw) => {
    payloads.push(raw);
    for (const change of parseNotifications(raw)) if (change.jobName === jobName) changes.push(change);
  });
  try {
    const user = await server.user();
    const rows = await server.db.sql<{ id: string }[]>`
      insert into jobs.queue (namespace, job_name, created_by)
      select 'bulk', ${jobName}, ${user.id} from generate_series(1, 300) returning id`;
    await server.db.sql`update jobs.queue set status = 'cancelled' where job_name = ${jobName}`;
    await server.db.sql`delete from jobs.queue where job_name = ${jobName}`;
    const ids = new Set(rows.map((row) => row.id));
    await expect.poll(() => changes.length, { timeout: 10_000 }).toBe(900);

    expect(payloads.every((payload) => Buffer.byteLength(payload) < 8000)).toBe(true);
    expect(payloads.length).toBeGreaterThan(3); // 300 messages do not fit one payload
    for (const type of ["INSERT", "UPDATE", "DELETE"] as const) {
      const ofType = changes.filter((change) => change.type === type);
      expect(new Set(ofType.map((change) => change.id))).toEqual(ids);
    }
    const update = changes.find((change) => change.type === "UPDATE")!;
    expect(update).toEqual({
      schema: "jobs",
      table: "queue",
      type: "UPDATE",
      id: expect.any(String),
      ts: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+[+-]\d\d:\d\d$/),
      status: "cancelled",
      oldStatus: "pending",
      namespace: "bulk",
      createdBy: user.id,
      jobName,
      jobId: null,
      lineNumber: null,
    });
    expect(changes.find((change) => change.type === "INSERT")).toMatchObject({
      status: "pending",
      oldStatus: null,
    });
    expect(changes.find((change) => change.type === "DELETE")).toMatchObject({ status: "cancelled" });
  } finally {
    await listener.unlisten();
  }
});

it("announces a job's other updates only while a realtime server watches; pending and cancelled always", async () => {
  const updates: ChangeNotification[] = [];
  const inserted = new Set<string | number>();
  const jobName = "watched-or-not";
  const listener = await server.db.sql.listen(changesChannel, (raw) => {
    for (const change of parseNotifications(raw)) {
      if (change.jobName !== jobName) continue;
      if (change.type === "UPDATE") updates.push(change);
      else if (change.type === "INSERT") inserted.add(change.id);
    }
  });
  const { sql } = server.db;
  const insert = async () => {
    const [row] = await sql<{ id: string }[]>`
      insert into jobs.queue (namespace, job_name) values ('watch', ${jobName}) returning id`;
    return row!.id;
  };
  // NOTIFYs arrive in commit order: once a later insert is heard, every update before it was too.
  const heardUpTo = async () => {
    const marker = await insert();
    await expect.poll(() => inserted.has(marker), { timeout: 10_000 }).toBe(true);
  };
  const seen = () => updates.map((change) => `${change.id === a ? "a" : "b"}:${change.status}`);
  let a = "";
  try {
    await sql`delete from jobs.change_watchers`;
    a = await insert();
    const b = await insert();
    await sql`update jobs.queue set status = 'running' where id = ${a}`;
    await sql`update jobs.queue set status = 'completed' where id = ${a}`;
    await sql`update jobs.queue set status = 'cancelled' where id = ${b}`;
    await sql`update jobs.queue set status = 'pending' where id = ${a}`;
    await heardUpTo();
    expect(seen()).toEqual(["b:cancelled", "a:pending"]);

    updates.length = 0;
    await sql`insert into jobs.change_watchers (id, expires_at) values (gen_random_uuid(), now() + interval '1 minute')`;
    await sql`update jobs.queue set status = 'running' where id = ${a}`;
    await sql`update jobs.queue set progress = '{"percent": 5}' where id = ${a}`;
    await sql`update jobs.queue set status = 'completed' where id = ${a}`;
    await heardUpTo();
    expect(seen()).toEqual(["a:running", "a:running", "a:completed"]);

    // A watch past its expiry is no watch.
    updates.length = 0;
    await sql`update jobs.change_watchers set expires_at = now() - interval '1 second'`;
    await sql`update jobs.queue set status = 'failed' where id = ${a}`;
    await heardUpTo();
    expect(seen()).toEqual([]);
  } finally {
    await listener.unlisten();
    await sql`delete from jobs.change_watchers`;
  }
});
