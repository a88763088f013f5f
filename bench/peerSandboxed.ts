/**
 * Sandboxed trivial jobs against graphile-worker that runs each job's code with one `deno run` (what
 * it takes to sandbox job code there), on the same Postgres in the same run, same concurrency, rounds
 * interleaved so both see the same load (printed). Each round drains a backlog of `BENCH_SANDBOX_JOBS`
 * jobs, enqueued before the clock starts (ours into a paused queue, with the worker process already
 * up); CPU per job of the drain is split into this process (server, with its spawner's, or
 * graphile-worker), Deno and Postgres, and the server's event-loop delay p99 is printed. The drain
 * includes starting the warm processes; the same worker then drains a second backlog with its
 * processes warm, as a server that has been running does (printed on its own line).
 * Goal: ≥ 10× the peer. Also pickup from idle of a sandboxed job (goal p50 ≤ 5 ms, p99 ≤ 20 ms).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { promisify } from "node:util";
import { makeWorkerUtils } from "graphile-worker";
import { type ProcessTreeCpu, processTreeCpu, resolveDenoPath } from "../sandbox/index.ts";
import { createFluxbase } from "../server/app.ts";
import { createLogger } from "../server/log.ts";
import { type BenchServer, fmt, percentile, startBenchServer, untilDrained } from "./benchServer.ts";
import { drainWithGraphile, enqueueGraphileJobs, type GraphileUtils, quietLogger } from "./graphileDrain.ts";
import { ownCpuMs, postgresCpuMs } from "./procCpu.ts";

const jobs = Number(process.env.BENCH_SANDBOX_JOBS ?? 600);
const rounds = Number(process.env.BENCH_SANDBOX_ROUNDS ?? 3);
const slots = Number(process.env.BENCH_SANDBOX_SLOTS ?? 20);
const idleSamples = Number(process.env.BENCH_SANDBOX_IDLE ?? 100);
const trivial = "export default () => ({ ok: true });\n";
const run$ = promisify(execFile);
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Drain {
  rate: number;
  /** This process's event-loop delay p99 while draining, ms (timers, sockets and claims wait that long). */
  loopDelayP99: number;
  ownMs: number;
  denoMs: number | null;
  postgresMs: number | null;
}

/**
 * CPU across `task` (which returns the drain's seconds), up to the moment the task calls `drained()`
 * (before connections close: an ended backend's CPU leaves /proc; before the worker stops: its
 * spawner's children are counted while it lives). The server's is this process's and its spawner's.
 */
async function measured(task: (drained: () => void) => Promise<number>): Promise<Drain> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const own = ownCpuMs();
  const tree = processTreeCpu();
  const pg = postgresCpuMs();
  let ownAfter = 0;
  let treeAfter: ProcessTreeCpu | null = null;
  let pgAfter: number | null = null;
  const seconds = await task(() => {
    ownAfter = ownCpuMs();
    treeAfter = processTreeCpu();
    pgAfter = postgresCpuMs();
    delay.disable();
  });
  const after = treeAfter as ProcessTreeCpu | null;
  return {
    rate: jobs / seconds,
    loopDelayP99: delay.percentile(99) / 1e6,
    ownMs: ownAfter - own + (tree && after ? after.spawnerMs - tree.spawnerMs : 0),
    denoMs: tree === null || after === null ? null : after.jobMs - tree.jobMs,
    postgresMs: pg === null || pgAfter === null ? null : pgAfter - pg,
  };
}

export async function run(): Promise<void> {
  // The enqueuing server: API only, so the backlog waits for the worker process of each round.
  const server = await startBenchServer({ "trivial.ts": trivial }, { role: "api" });
  const scratch = mkdtempSync(path.join(tmpdir(), "fluxbase-bench-sandboxed-"));
  const peerFile = path.join(scratch, "trivial.mjs");
  writeFileSync(
    peerFile,
    `const run = ${trivial.replace("export default ", "")}\nconsole.log(JSON.stringify(run()));\n`,
  );
  try {
    const utils = await makeWorkerUtils({ connectionString: server.databaseUrl, logger: quietLogger });
    await utils.migrate();
    const ratios: number[] = [];
    console.log(
      `\nSandboxed trivial jobs vs graphile-worker 0.17 + one \`deno run\` per job: ${jobs} jobs per round, ${slots} slots each`,
    );
    const perJob = (ms: number | null) => (ms === null ? "n/a" : `${(ms / jobs).toFixed(2)} ms`);
    for (let round = 1; round <= rounds; round++) {
      const { cold: a, warm } = await drainOurs(server, path.join(scratch, `data-${round}`));
      const b = await drainGraphile(utils, server.databaseUrl, peerFile);
      ratios.push(a.rate / b.rate);
      console.log(
        `  round ${round}: fluxbase ${a.rate.toFixed(0)} jobs/s, graphile-worker + deno ${b.rate.toFixed(1)} jobs/s, ratio ${(a.rate / b.rate).toFixed(1)}×  (load ${load()})`,
      );
      console.log(
        `    CPU per job: server ${perJob(a.ownMs)} vs ${perJob(b.ownMs)}, Deno ${perJob(a.denoMs)} vs ${perJob(b.denoMs)}, Postgres ${perJob(a.postgresMs)} vs ${perJob(b.postgresMs)}; server event-loop delay p99 ${a.loopDelayP99.toFixed(1)} ms`,
      );
      console.log(
        `    the same worker's next backlog, its processes warm: ${warm.rate.toFixed(0)} jobs/s, CPU per job: server ${perJob(warm.ownMs)} (goal ≤ 1.5 ms), Deno ${perJob(warm.denoMs)}, Postgres ${perJob(warm.postgresMs)}`,
      );
    }
    const median = [...ratios].sort((x, y) => x - y)[Math.floor(ratios.length / 2)]!;
    console.log(`  median ratio ${median.toFixed(1)}× (goal ≥ 10×)`);
    await utils.release();
    await pickupFromIdle(server, path.join(scratch, "data-idle"));
  } finally {
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function workerProcess(server: BenchServer, dataDir: string) {
  return createFluxbase({
    env: {},
    options: {
      role: "worker",
      databaseUrl: server.databaseUrl,
      dataDir,
      jobs: {
        embeddedWorkerCount: 1,
        maxConcurrentPerWorker: slots,
        maxConcurrentPerNamespace: 10_000,
        watch: false,
        dir: server.jobsDir,
      },
    },
    logger: createLogger("error"),
  });
}

const enqueue = (server: BenchServer) =>
  (server.fluxbase.jobs.enqueue as (name: string, payload: object) => Promise<{ id: string }>)("trivial", {});

/** A new worker process drains two backlogs: the first starts its warm processes, the second finds them. */
async function drainOurs(server: BenchServer, dataDir: string): Promise<{ cold: Drain; warm: Drain }> {
  const worker = workerProcess(server, dataDir);
  await worker.start();
  try {
    const cold = await drainBacklog(server);
    const warm = await drainBacklog(server);
    return { cold, warm };
  } finally {
    await worker.stop();
  }
}

/** The rate is from the first job's start to the last one's completion. */
async function drainBacklog(server: BenchServer): Promise<Drain> {
  const { sql } = server.fluxbase;
  await sql`delete from jobs.queue where job_name = 'trivial'`;
  await sql`insert into jobs.paused_queues (namespace, job_name) values ('default', 'trivial')`;
  for (let i = 0; i < jobs; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, jobs - i) }, () => enqueue(server)));
  }
  return measured(async (drained) => {
    await sql`delete from jobs.paused_queues where namespace = 'default' and job_name = 'trivial'`;
    await untilDrained(sql, 20, "trivial");
    drained();
    const [{ seconds, failed }] = await sql<{ seconds: number; failed: number }[]>`
      select extract(epoch from max(completed_at) - min(started_at))::float8 as seconds,
             count(*) filter (where status = 'failed')::int as failed
      from jobs.queue where job_name = 'trivial'`;
    if (failed > 0) throw new Error(`${failed} sandboxed jobs failed`);
    return seconds;
  });
}

async function drainGraphile(utils: GraphileUtils, url: string, file: string): Promise<Drain> {
  await enqueueGraphileJobs(utils, "deno", jobs);
  const deno = resolveDenoPath();
  const env = { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", DENO_DIR: path.join(path.dirname(file), "deno") };
  return measured((drained) =>
    drainWithGraphile({
      url,
      jobs,
      slots,
      identifier: "deno",
      task: async () => {
        await run$(deno, ["run", "--no-prompt", "--no-config", `--allow-read=${file}`, file], { env });
      },
      drained,
    }),
  );
}

async function pickupFromIdle(server: BenchServer, dataDir: string): Promise<void> {
  const worker = workerProcess(server, dataDir);
  await worker.start();
  const { sql } = server.fluxbase;
  const ids: string[] = [];
  // The first run starts the function's warm process; the samples after it are what users see.
  for (let i = 0; i <= idleSamples; i++) {
    const { id } = await enqueue(server);
    if (i > 0) ids.push(id);
    for (;;) {
      const [row] = await sql`select status from jobs.queue where id = ${id}`;
      if (row?.status === "completed") break;
      await sleep(5);
    }
    await sleep(20);
  }
  await worker.stop();
  const rows = await sql<{ start: number; done: number }[]>`
    select (extract(epoch from started_at - created_at) * 1000)::float8 as start,
           (extract(epoch from completed_at - created_at) * 1000)::float8 as done
    from jobs.queue where id = any(${ids}::uuid[])`;
  const stats = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return `p50 ${fmt(percentile(sorted, 50))}  p99 ${fmt(percentile(sorted, 99))}`;
  };
  console.log(
    `  sandboxed pickup from idle (${ids.length} jobs, one at a time): submit→start ${stats(rows.map((r) => r.start))} (goal p50 ≤ 5 ms, p99 ≤ 20 ms); submit→completed ${stats(rows.map((r) => r.done))}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
