/**
 * The database goes away while 200 jobs run (stopped, kept down, started again), on a Postgres
 * cluster of this file's own. Runs finish during the outage; their results, progress and logs must
 * land once it is back, and none may run twice.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OwnPostgres, startOwnPostgres } from "../support/ownPostgres.ts";
import {
  createRig,
  enqueue,
  executions,
  expectInvariants,
  type FaultRig,
  insertSleeper,
  recordHistory,
  statusCounts,
  until,
} from "./harness.ts";

let pg: OwnPostgres;
let rig: FaultRig;

beforeAll(async () => {
  pg = await startOwnPostgres();
  await recordHistory(pg.sql);
  rig = createRig(pg.url, {
    FLUXBASE_JOBS_WORKER_TIMEOUT: "15s",
    FLUXBASE_JOBS_WORKER_HEARTBEAT_INTERVAL: "1s",
    FLUXBASE_JOBS_EMBEDDED_WORKER_COUNT: "4",
    FLUXBASE_JOBS_MAX_CONCURRENT_PER_WORKER: "25",
    FLUXBASE_JOBS_MAX_CONCURRENT_PER_NAMESPACE: "1000",
  });
  await insertSleeper(pg.sql, "sleeper", rig.markerDir);
  // Two servers, 100 slots each: the other one's reaper is there to race the late writes.
  await rig.start();
  await rig.start({}, ["worker"]);
});

afterAll(async () => {
  await rig?.cleanup();
  await pg?.destroy();
});

async function outage(downMs: number): Promise<void> {
  const gate = `gate-${downMs}`;
  const ids = await enqueue(pg.sql, "sleeper", 200, { dir: rig.markerDir, gate });
  const wanted = new Set(ids);
  // Running in the sandbox, not just claimed: each has left its start marker.
  await until(
    async () => {
      const started = [...executions(rig.markerDir).keys()].filter((id) => wanted.has(id));
      return started.length === 200 ? true : undefined;
    },
    60_000,
    "200 jobs executing",
  ).catch(async (error) => {
    const started = [...executions(rig.markerDir).keys()].filter((id) => wanted.has(id)).length;
    console.error({ started, status: await statusCounts(pg.sql, ids) });
    for (const proc of rig.processes) console.error(proc.output().slice(-3000));
    throw error;
  });
  await pg.stop();
  const stoppedAt = Date.now();
  writeFileSync(path.join(rig.markerDir, gate), "");
  // The API meanwhile says what is going on instead of a bare 500.
  const api = await fetch(`${rig.processes[0]!.url}/api/v1/jobs`, {
    headers: { authorization: `Bearer ${rig.serviceKey}` },
  });
  expect(api.status).toBe(503);
  expect(await api.json()).toMatchObject({ code: "DATABASE_UNAVAILABLE" });
  // Every execution finishes while the database is away.
  await until(
    async () => {
      const runs = [...executions(rig.markerDir).entries()].filter(([id]) => wanted.has(id));
      return runs.length === 200 && runs.every(([, r]) => r.every((run) => run.finishedAt))
        ? true
        : undefined;
    },
    Math.max(downMs, 20_000),
    "every execution finished during the outage",
  ).catch((error) => {
    const runs = [...executions(rig.markerDir).entries()].filter(([id]) => wanted.has(id));
    const unfinished = runs.filter(([, r]) => !r.every((run) => run.finishedAt));
    console.error({
      jobs: runs.length,
      unfinished: unfinished.length,
      sample: JSON.stringify(unfinished.slice(0, 3)),
    });
    const ps = execFileSync("ps", ["-eo", "pid,stat,etimes,args"], { encoding: "utf8" }).split("\n");
    console.error(ps.filter((line) => line.includes("deno run")).length, "deno processes");
    console.error(readdirSync(rig.markerDir).filter((f) => !f.includes(".")));
    for (const proc of rig.processes) console.error(proc.output().slice(-3000));
    throw error;
  });
  expect(Date.now() - stoppedAt).toBeLessThan(downMs);
  await new Promise((resolve) => setTimeout(resolve, downMs - (Date.now() - stoppedAt)));
  await pg.start();
  const startedAt = Date.now();
  await until(
    async () => ((await statusCounts(pg.sql, ids)).completed === 200 ? true : undefined),
    60_000,
    "all 200 completions landed",
  );
  console.info(
    `database down ${downMs} ms: all 200 completions landed ${Date.now() - startedAt} ms after it came back`,
  );
  await expectInvariants(pg.sql, ids, rig.markerDir, { strict: true });
  const rows = await pg.sql<{ attempt: number; percent: number }[]>`
    select attempt, (progress->>'percent')::int as percent from jobs.queue where id = any(${ids}::uuid[])`;
  expect(rows.every((row) => row.attempt === 1 && row.percent === 100)).toBe(true);
  // The log line each run printed during the outage was kept and written.
  const [{ n }] = await pg.sql<{ n: number }[]>`
    select count(distinct job_id)::int as n from jobs.logs where job_id = any(${ids}::uuid[]) and message = 'finished'`;
  expect(n).toBe(200);
}

describe("database outages under 200 running jobs", () => {
  it("10 s down: every completion lands, nothing runs twice", { timeout: 150_000 }, () => outage(10_000));
  it("60 s down: every completion lands, nothing runs twice", { timeout: 200_000 }, () => outage(60_000));
});
