/**
 * One claimer fills every worker's slots: a burst is claimed for all of a pool's workers at once,
 * each job is leased to the worker whose slot it took, no worker runs more than its slots, and the
 * job past every slot waits.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { insertFunction, startTestServer, type TestServer, type TestUser } from "../support/server.ts";

let server: TestServer;
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer({
    workers: true,
    jobs: { embeddedWorkerCount: 3, maxConcurrentPerWorker: 2, maxConcurrentPerNamespace: 100 },
  });
  user = await server.user();
  await insertFunction(server, {
    name: "hold",
    code: "export default async (r, f, s, job) => { await new Promise((res) => setTimeout(res, job.getJobPayload().ms)); return null; }",
  });
});
afterAll(() => server.stop());

it("gives each of three workers two of a burst of seven jobs, and the seventh waits", async () => {
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) {
    const res = await server.request("POST", "/api/v1/jobs/submit", {
      token: user.token,
      body: { job_name: "hold", payload: { ms: i < 6 ? 4000 : 10 } },
    });
    expect(res.status).toBe(201);
    ids.push((await res.json()).id);
  }
  const deadline = Date.now() + 15_000;
  let running: { id: string; worker_id: string }[] = [];
  while (Date.now() < deadline) {
    running = await server.db.sql<{ id: string; worker_id: string }[]>`
      select id, worker_id from jobs.queue where id = any(${ids}::uuid[]) and status = 'running'`;
    if (running.length >= 6) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(running.map((row) => row.id).sort()).toEqual(ids.slice(0, 6).sort());
  const perWorker = new Map<string, number>();
  for (const row of running) perWorker.set(row.worker_id, (perWorker.get(row.worker_id) ?? 0) + 1);
  const workers = await server.db.sql<
    { id: string }[]
  >`select id from jobs.workers where pid = ${process.pid}`;
  expect([...perWorker.keys()].sort()).toEqual(workers.map((w) => w.id).sort());
  expect([...perWorker.values()]).toEqual([2, 2, 2]);
  const [last] = await server.db.sql<
    { status: string }[]
  >`select status from jobs.queue where id = ${ids[6]!}`;
  expect(last!.status).toBe("pending");
}, 30_000);
