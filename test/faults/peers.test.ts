/**
 * Faults of one process among several on one database: kill -9 (its runs recovered by a live peer,
 * its Deno children gone), a frozen process holding the claim lock (SIGSTOP), an API-only process as
 * the only survivor, and a namespace at its cap next to one that has free room.
 */
import { readFileSync } from "node:fs";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { descendants } from "../support/processes.ts";
import {
  createRig,
  enqueue,
  expectInvariants,
  type FaultRig,
  insertSleeper,
  recordHistory,
  statusCounts,
  until,
} from "./harness.ts";

let db: TestDatabase;
let rig: FaultRig;
const workerTimeoutMs = 3000;
const pollMs = 250;

beforeAll(async () => {
  db = await createTestDatabase();
  await recordHistory(db.sql);
  rig = createRig(db.url, { FLUXBASE_JOBS_WORKER_TIMEOUT: `${workerTimeoutMs}ms` });
  await insertSleeper(db.sql, "sleeper", rig.markerDir);
  await insertSleeper(db.sql, "busy-sleeper", rig.markerDir, "busy");
  await insertSleeper(db.sql, "other-sleeper", rig.markerDir, "other");
});

afterAll(async () => {
  await rig?.cleanup();
  await db?.drop();
});

/** Signals each process that still exists (a Deno child may end at any moment). */
const signal = (pids: number[], name: NodeJS.Signals) => {
  for (const pid of pids) {
    try {
      process.kill(pid, name);
    } catch {}
  }
};

/** Gone, or a zombie waiting for its reaper (it runs nothing any more). */
const gone = (pid: number) => {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return true;
  }
};

async function runningOf(pid: number): Promise<{ id: string; lease_token: string }[]> {
  return db.sql<{ id: string; lease_token: string }[]>`
    select q.id, q.lease_token from jobs.queue q join jobs.workers w on w.id = q.worker_id
    where q.status = 'running' and w.pid = ${pid}`;
}

async function settle(ids: string[], timeoutMs = 60_000): Promise<void> {
  await until(
    async () => ((await statusCounts(db.sql, ids)).completed === ids.length ? true : undefined),
    timeoutMs,
    `all ${ids.length} jobs completed`,
  );
}

describe("faults among peers", { timeout: 120_000 }, () => {
  it("kill -9 of one of two servers: a live peer recovers its runs within worker_timeout + a poll, every time", async () => {
    const survivor = await rig.start({ FLUXBASE_JOBS_MAX_CONCURRENT_PER_WORKER: "2" }, ["worker"]);
    const recoveries: number[] = [];
    const allIds: string[] = [];
    for (let round = 0; round < 3; round++) {
      const victim = await rig.start({ FLUXBASE_JOBS_MAX_CONCURRENT_PER_WORKER: "3" });
      const ids = await enqueue(db.sql, "sleeper", 12, { dir: rig.markerDir, ms: 2500 });
      allIds.push(...ids);
      const held = await until(
        async () => {
          const rows = await runningOf(victim.child.pid!);
          return rows.length >= 3 ? rows : undefined;
        },
        20_000,
        "the victim running jobs",
      );
      const children = descendants(victim.child.pid!);
      expect(children.length).toBeGreaterThan(0);
      victim.child.kill("SIGKILL");
      const killedAt = Date.now();
      await victim.exited;
      await until(
        async () => (children.every(gone) ? true : undefined),
        3000,
        "the victim's Deno children gone",
      );
      // Recovered = the lease the dead process held is no longer the row's.
      await until(
        async () => {
          const rows = await db.sql<{ n: number }[]>`
            select count(*)::int as n from jobs.queue q
            join unnest(${held.map((r) => r.id)}::uuid[], ${held.map((r) => r.lease_token)}::uuid[]) as h(id, token)
              on h.id = q.id
            where q.lease_token = h.token`;
          return rows[0]!.n === 0 ? true : undefined;
        },
        30_000,
        "the dead process's runs recovered",
      );
      recoveries.push(Date.now() - killedAt);
      await settle(ids);
    }
    console.info(`kill -9 recovery times (ms): ${recoveries.join(", ")}`);
    // worker_timeout + one poll, with room for a loaded machine.
    for (const ms of recoveries) expect(ms).toBeLessThan(workerTimeoutMs + pollMs + 3000);
    await expectInvariants(db.sql, allIds, rig.markerDir);
    survivor.child.kill("SIGTERM");
    expect(await survivor.exited).toBe(0);
  });

  it("an API-only process recovers the runs of a dead worker process", async () => {
    const api = await rig.start({}, ["start", "--role", "api"]);
    const worker = await rig.start({ FLUXBASE_JOBS_MAX_CONCURRENT_PER_WORKER: "2" }, ["worker"]);
    const ids = await enqueue(db.sql, "sleeper", 4, { dir: rig.markerDir, ms: 3000 });
    await until(
      async () => ((await runningOf(worker.child.pid!)).length >= 4 ? true : undefined),
      20_000,
      "the worker running jobs",
    );
    worker.child.kill("SIGKILL");
    const killedAt = Date.now();
    await worker.exited;
    await until(
      async () => ((await statusCounts(db.sql, ids)).pending === ids.length ? true : undefined),
      workerTimeoutMs + pollMs + 5000,
      "the runs requeued by the API process",
    );
    console.info(`API-only process requeued a dead worker's runs after ${Date.now() - killedAt} ms`);
    const rows = await db.sql<
      { attempt: number }[]
    >`select attempt from jobs.queue where id = any(${ids}::uuid[])`;
    expect(rows.every((row) => row.attempt === 1)).toBe(true);
    const next = await rig.start({ FLUXBASE_JOBS_MAX_CONCURRENT_PER_WORKER: "4" }, ["worker"]);
    await settle(ids);
    await expectInvariants(db.sql, ids, rig.markerDir);
    for (const proc of [api, next]) proc.child.kill("SIGTERM");
    expect(await api.exited).toBe(0);
    expect(await next.exited).toBe(0);
  });

  it("a frozen process holding the claim lock stops nobody for long, and nothing stays stuck after it resumes", async () => {
    // Two slots per process, six jobs: one claim fills every free slot of its process, so with more
    // slots the first process to claim could take them all and the other would never run one.
    const twoSlots = {
      FLUXBASE_JOBS_EMBEDDED_WORKER_COUNT: "1",
      FLUXBASE_JOBS_MAX_CONCURRENT_PER_WORKER: "2",
    };
    const frozen = await rig.start(twoSlots, ["worker"]);
    const live = await rig.start(twoSlots, ["worker"]);
    const firstIds = await enqueue(db.sql, "sleeper", 6, { dir: rig.markerDir, ms: 1500 });
    await until(
      async () => ((await runningOf(frozen.child.pid!)).length > 0 ? true : undefined),
      20_000,
      "the frozen-to-be process running jobs",
    );
    // Freeze the whole machine (the process and its Deno children) while it claims busily (every
    // poll, slots free): at a moment its session holds the claim lock inside an open transaction if
    // such a moment exists (a claim that spans round trips), otherwise at the last try.
    const group = () => [frozen.child.pid!, ...descendants(frozen.child.pid!)];
    const lockHolders = () => db.sql<{ pid: number }[]>`
      select a.pid from pg_locks l join pg_stat_activity a using (pid)
      where l.locktype = 'advisory' and l.granted and a.state = 'idle in transaction'
        and a.datname = current_database()`;
    let stopped: number[] = [];
    let caughtHoldingLock = false;
    for (let tries = 0; tries < 40 && !caughtHoldingLock; tries++) {
      stopped = group();
      signal(stopped, "SIGSTOP");
      await new Promise((resolve) => setTimeout(resolve, 150));
      caughtHoldingLock = (await lockHolders()).length > 0;
      if (caughtHoldingLock || tries === 39) break;
      signal(stopped, "SIGCONT");
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
    }
    const frozenAt = Date.now();
    // While it is frozen, new work starts on the live process, and no frozen session blocks claims.
    const during = await enqueue(db.sql, "sleeper", 2, { dir: rig.markerDir, ms: 200 });
    await until(
      async () => ((await statusCounts(db.sql, during)).completed === during.length ? true : undefined),
      10_000,
      "jobs submitted during the freeze completed",
    );
    const unblockedMs = Date.now() - frozenAt;
    console.info(
      `frozen process (${caughtHoldingLock ? "caught holding the claim lock" : "never seen holding the claim lock"}): other processes' jobs done ${unblockedMs} ms into the freeze`,
    );
    expect(unblockedMs).toBeLessThan(8000);
    expect(await lockHolders()).toEqual([]);
    // Frozen for 20 s in all, then resumed.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 20_000 - (Date.now() - frozenAt))));
    signal(stopped, "SIGCONT");
    const ids = [...firstIds, ...during];
    await settle(ids, 30_000);
    await expectInvariants(db.sql, ids, rig.markerDir);
    // Still useful after it resumed: it claims again.
    const after = await enqueue(db.sql, "sleeper", 24, { dir: rig.markerDir, ms: 1000 });
    await until(
      async () => ((await runningOf(frozen.child.pid!)).length > 0 ? true : undefined),
      20_000,
      "the resumed process claiming again",
    );
    await settle(after);
    await expectInvariants(db.sql, [...ids, ...after], rig.markerDir);
    for (const proc of [frozen, live]) proc.child.kill("SIGTERM");
    expect(await frozen.exited).toBe(0);
    expect(await live.exited).toBe(0);
  });

  it("kill -9 also takes the Deno the functions loader started (deno cache of a remote import)", async () => {
    // A module server that accepts and never answers: the loader's `deno cache` waits on it.
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const proc = await rig.start({
        FLUXBASE_JOBS_EMBEDDED_WORKER_COUNT: "0",
        FLUXBASE_JOBS_IMPORT_ALLOW_PRIVATE: "true",
      });
      // Uploading a function fetches its remote imports before answering; this answer never comes.
      void fetch(`${proc.url}/api/v1/admin/jobs/functions`, {
        method: "POST",
        headers: { authorization: `Bearer ${rig.serviceKey}`, "content-type": "application/json" },
        body: JSON.stringify({
          name: "remote",
          code: `/** @fluxbase:allow-net 127.0.0.1:${port} */\nimport { x } from "http://127.0.0.1:${port}/mod.ts";\nexport function handler() { return x; }\n`,
        }),
      }).catch(() => {});
      const cachePid = await until(
        async () =>
          descendants(proc.child.pid!).find((pid) => {
            try {
              return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("cache");
            } catch {
              return false;
            }
          }),
        30_000,
        "the loader's deno cache running",
      ).catch((error) => {
        console.error(proc.output().slice(-3000));
        throw error;
      });
      proc.child.kill("SIGKILL");
      await proc.exited;
      await until(async () => (gone(cachePid) ? true : undefined), 3000, "deno cache gone with its server");
    } finally {
      silent.close();
    }
  });

  it("a namespace at its cap does not starve another: 40 slots, cap 20, 1000 busy jobs then 20 other", async () => {
    const proc = await rig.start({
      FLUXBASE_JOBS_EMBEDDED_WORKER_COUNT: "4",
      FLUXBASE_JOBS_MAX_CONCURRENT_PER_WORKER: "10",
      FLUXBASE_JOBS_MAX_CONCURRENT_PER_NAMESPACE: "20",
    });
    const busy = await enqueue(db.sql, "busy-sleeper", 1000, { dir: rig.markerDir, ms: 60_000 }, "busy");
    await until(
      async () => ((await statusCounts(db.sql, busy)).running === 20 ? true : undefined),
      30_000,
      "20 busy jobs running",
    );
    const [{ now: submittedAt }] = await db.sql<{ now: Date }[]>`select clock_timestamp() as now`;
    const other = await enqueue(db.sql, "other-sleeper", 20, { dir: rig.markerDir, ms: 500 }, "other");
    const [first] = await until(
      async () => {
        const rows = await db.sql<{ started_at: Date }[]>`
          select started_at from jobs.queue where id = any(${other}::uuid[]) and started_at is not null
          order by started_at limit 1`;
        return rows.length ? rows : undefined;
      },
      20_000,
      "the first job of namespace other started",
    );
    const waitedMs = first!.started_at.getTime() - submittedAt.getTime();
    console.info(`first job of an uncapped namespace started ${waitedMs} ms after submit (busy at its cap)`);
    expect(waitedMs).toBeLessThan(5000);
    await settle(other);
    expect((await statusCounts(db.sql, busy)).running).toBe(20);
    // Wind the busy namespace down: nothing may be left running afterwards.
    await db.sql`update jobs.queue set status = 'cancelled' where id = any(${busy}::uuid[]) and status = 'pending'`;
    await db.sql`update jobs.queue set status = 'cancelled', cancel_mode = 'terminate'
      where id = any(${busy}::uuid[]) and status = 'running'`;
    await until(
      async () => ((await statusCounts(db.sql, busy)).cancelled === busy.length ? true : undefined),
      20_000,
      "busy jobs cancelled",
    );
    await expectInvariants(db.sql, other, rig.markerDir, { strict: true });
    proc.child.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  });
});
