/**
 * The worker pool: registry, NOTIFY pickup (through the one change-notification parser: with the poll
 * 10 s away, a fast start proves the notification woke the worker), priorities, namespace limits and
 * recovery of dead workers.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseNotifications } from "../../server/db/changeNotification.ts";
import { changesChannel } from "../../server/db/notifyChannels.ts";
import {
  insertFunction,
  startTestServer,
  type TestServer,
  type TestUser,
  waitForJob,
} from "../support/server.ts";

let server: TestServer;
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer({
    workers: true,
    jobs: {
      pollInterval: 10_000, // only NOTIFY can make pickup fast
      maxConcurrentPerWorker: 4,
      maxConcurrentPerNamespace: 2,
      workerHeartbeatInterval: 300,
      workerTimeout: 1000,
    },
  });
  user = await server.user();
  const sleeper =
    "export default async (r, f, s, job) => { await new Promise((res) => setTimeout(res, job.getJobPayload().ms ?? 600)); return job.getJobPayload().tag ?? null; }";
  await insertFunction(server, { name: "sleep", code: sleeper });
  await insertFunction(server, { name: "sleep", namespace: "other", code: sleeper });
});
afterAll(() => server.stop());

const submit = async (body: Record<string, unknown>) => {
  const res = await server.request("POST", "/api/v1/jobs/submit", {
    token: user.token,
    body: { job_name: "sleep", ...body },
  });
  expect(res.status).toBe(201);
  return (await res.json()).id as string;
};

describe("worker pool", () => {
  it("registers its worker with name, host, pid and capacity", async () => {
    const res = await server.request("GET", "/api/v1/admin/jobs/workers", { token: server.serviceKey });
    const { workers } = await res.json();
    expect(workers).toHaveLength(1);
    expect(workers[0]).toMatchObject({
      status: "active",
      pid: process.pid,
      max_concurrent_jobs: 4,
      current_job_count: 0,
    });
    expect(workers[0].name).toMatch(/^worker-[0-9a-f]{8}@.+$/);
    expect(Date.now() - new Date(workers[0].last_heartbeat_at).getTime()).toBeLessThan(5000);
  });

  it("starts a job submitted to an idle server through NOTIFY, not the 10 s poll", async () => {
    const id = await submit({ payload: { ms: 1 } });
    const job = await waitForJob(server, id, (j) => j.started_at !== null, 3000);
    expect(new Date(job.started_at).getTime() - new Date(job.created_at).getTime()).toBeLessThan(1000);
    await waitForJob(server, id);
  });

  it("reads the trigger's payload with the parser the pool and realtime share", async () => {
    const seen: string[] = [];
    const listener = await server.db.sql.listen(changesChannel, (raw) => seen.push(raw));
    try {
      const id = await submit({ payload: { ms: 1 } });
      const inserted = () =>
        seen.flatMap(parseNotifications).find((change) => change?.id === id && change.type === "INSERT");
      const deadline = Date.now() + 10_000;
      while (!inserted() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(inserted()).toMatchObject({
        schema: "jobs",
        table: "queue",
        type: "INSERT",
        id,
        status: "pending",
        createdBy: user.id,
        jobName: "sleep",
      });
      await waitForJob(server, id);
    } finally {
      await listener.unlisten();
    }
  });

  it("never runs more than max_concurrent_per_namespace jobs of one namespace", async () => {
    const ids = await Promise.all([1, 2, 3, 4].map(() => submit({ payload: { ms: 700 } })));
    const other = await submit({ namespace: "other", payload: { ms: 700 } });
    let peak = 0;
    let otherRan = false;
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline) {
      const rows = await server.db.sql<{ namespace: string; n: number }[]>`
        select namespace, count(*)::int as n from jobs.queue where status = 'running' group by namespace`;
      peak = Math.max(peak, rows.find((r) => r.namespace === "default")?.n ?? 0);
      otherRan ||= (rows.find((r) => r.namespace === "other")?.n ?? 0) > 0;
      const [{ left }] = await server.db.sql<{ left: number }[]>`
        select count(*)::int as left from jobs.queue where id = any(${[...ids, other]}::uuid[]) and status <> 'completed'`;
      if (left === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(peak).toBe(2);
    expect(otherRan).toBe(true);
  });

  it("claims the highest priority first", async () => {
    // Two blockers fill the namespace (limit 2), so both waiting jobs are queued before any slot frees;
    // they end a second apart, so one slot frees first and the claim must choose.
    const blockers = await Promise.all([1000, 2200].map((ms) => submit({ payload: { ms } })));
    for (const id of blockers) await waitForJob(server, id, (j) => j.status === "running");
    const [low, high] = (
      await server.db.sql<{ id: string; priority: number }[]>`
        insert into jobs.queue (job_name, function_id, priority, payload, created_by)
        select 'sleep', f.id, p.priority, jsonb_build_object('ms', 1, 'tag', p.tag), ${user.id}
        from jobs.functions f, (values (-5, 'low'), (10, 'high')) as p(priority, tag)
        where f.name = 'sleep' and f.namespace = 'default'
        returning id, priority`
    )
      .sort((a, b) => a.priority - b.priority)
      .map((row) => row.id);
    const [lowJob, highJob] = [await waitForJob(server, low!), await waitForJob(server, high!)];
    expect(new Date(highJob.started_at).getTime()).toBeLessThan(new Date(lowJob.started_at).getTime());
  });

  it("recovers the runs of a worker that stopped heart-beating", async () => {
    const ghost = randomUUID();
    await server.db
      .sql`insert into jobs.workers (id, name, hostname, pid, max_concurrent_jobs, last_heartbeat_at)
      values (${ghost}, 'worker-ghost@elsewhere', 'elsewhere', 424242, 5, now() - interval '1 minute')`;
    const [retryable] = await server.db.sql<{ id: string }[]>`
      insert into jobs.queue (job_name, function_id, status, worker_id, lease_token, attempt, max_retries, created_by, payload)
      select 'sleep', id, 'running', ${ghost}, gen_random_uuid(), 1, 3, ${user.id}, '{"ms": 1, "tag": "recovered"}'
      from jobs.functions where name = 'sleep' and namespace = 'default' returning id`;
    const [spent] = await server.db.sql<{ id: string }[]>`
      insert into jobs.queue (job_name, status, worker_id, lease_token, attempt, max_retries, created_by)
      values ('sleep', 'running', ${ghost}, gen_random_uuid(), 4, 3, ${user.id}) returning id`;
    const done = await waitForJob(server, retryable!.id, undefined, 10_000);
    expect(done).toMatchObject({ status: "completed", attempt: 2, result: "recovered" });
    expect(await waitForJob(server, spent!.id)).toMatchObject({
      status: "failed",
      error_message: "Worker lost during execution",
    });
    const workers = await server.db.sql`select id from jobs.workers where id = ${ghost}`;
    expect(workers).toHaveLength(0);
  });
});
