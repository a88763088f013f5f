/**
 * Trusted no-op handlers against graphile-worker, on the same Postgres in the same run, rounds
 * interleaved so both see the same machine load (printed per round). Each round puts a backlog of
 * `BENCH_PEER_JOBS` jobs in the queue with the workers stopped, then starts the workers and measures
 * the drain from the first job's start to the last job's end. Goal: ≥ 3× graphile-worker's rate.
 * A first interleaved round of each warms both up and is not counted: in it, Node's compiler is still
 * at work on either side (their CPU per job falls by a third to a half between the first and third
 * rounds), which a server that has been running does not pay.
 * Also pickup from idle for a trusted handler (goal p50 ≤ 5 ms).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { makeWorkerUtils } from "graphile-worker";
import { createFluxbase } from "../server/app.ts";
import { defineJob } from "../server/handlers/defineJob.ts";
import { createLogger } from "../server/log.ts";
import { fmt, percentile, startBenchServer, untilDrained } from "./benchServer.ts";
import { drainWithGraphile, enqueueGraphileJobs, type GraphileUtils, quietLogger } from "./graphileDrain.ts";
import { cpuOf, ownCpuMs, postgresCpuMs } from "./procCpu.ts";
import { markWrites, type WriteCost, writesSince } from "./writeCost.ts";

const jobs = Number(process.env.BENCH_PEER_JOBS ?? 3000);
const rounds = Number(process.env.BENCH_PEER_ROUNDS ?? 5);
const slots = Number(process.env.BENCH_PEER_SLOTS ?? 20);
const noop = defineJob({ name: "bench-noop", handler: async () => null });
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");

export async function run(): Promise<void> {
  // The enqueuing server: API only, no workers, so the backlog waits.
  const server = await startBenchServer({}, { role: "api", jobs: { apiLaneConcurrency: 0 } }, [noop]);
  const dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-bench-peer-"));
  try {
    const url = server.databaseUrl;
    const utils = await makeWorkerUtils({ connectionString: url, logger: quietLogger });
    await utils.migrate();
    const ours: number[] = [];
    const theirs: number[] = [];
    const perJob = (ms: number | null) => (ms === null ? "n/a" : `${(ms / jobs).toFixed(2)} ms`);
    console.log(
      `\nTrusted no-op handlers vs graphile-worker 0.17: ${jobs} jobs per round, ${slots} slots each`,
    );
    const warm = [
      await drainOurs(server.fluxbase, url, dataDir),
      await drainGraphile(utils, url, server.fluxbase.sql),
    ];
    console.log(
      `  warm-up (not counted): fluxbase ${warm[0]!.rate.toFixed(0)} jobs/s, graphile-worker ${warm[1]!.rate.toFixed(0)} jobs/s  (load ${load()})`,
    );
    for (let round = 1; round <= rounds; round++) {
      const a = await drainOurs(server.fluxbase, url, dataDir);
      const b = await drainGraphile(utils, url, server.fluxbase.sql);
      ours.push(a.rate);
      theirs.push(b.rate);
      console.log(
        `  round ${round}: fluxbase ${a.rate.toFixed(0)} jobs/s, graphile-worker ${b.rate.toFixed(0)} jobs/s, ratio ${(a.rate / b.rate).toFixed(2)}×  (load ${load()})`,
      );
      console.log(
        `    CPU per job: node ${perJob(a.ownMs)} vs ${perJob(b.ownMs)}, Postgres ${perJob(a.postgresMs)} vs ${perJob(b.postgresMs)}`,
      );
      const writes = (w: WriteCost) =>
        `${(w.transactions / jobs).toFixed(2)} write transactions, ${(w.walBytes / jobs).toFixed(0)} B of WAL`;
      console.log(
        `    Postgres writes per job, enqueue to completed: ${writes(a.writes)} vs ${writes(b.writes)}`,
      );
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    console.log(
      `  median: fluxbase ${median(ours).toFixed(0)} jobs/s, graphile-worker ${median(theirs).toFixed(0)} jobs/s, ratio ${(median(ours) / median(theirs)).toFixed(2)}× (goal ≥ 3×)`,
    );
    await utils.release();
    await pickupFromIdle(server.fluxbase, url, dataDir);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

type Enqueuer = Awaited<ReturnType<typeof startBenchServer>>["fluxbase"];

function workerProcess(url: string, dataDir: string) {
  return createFluxbase({
    env: {},
    handlers: [noop],
    options: {
      role: "worker",
      databaseUrl: url,
      dataDir,
      jobs: {
        embeddedWorkerCount: 1,
        maxConcurrentPerWorker: slots,
        maxConcurrentPerNamespace: 10_000,
        watch: false,
        dir: dataDir,
      },
    },
    logger: createLogger("error"),
  });
}

async function enqueueBacklog(fluxbase: Enqueuer): Promise<void> {
  for (let i = 0; i < jobs; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, jobs - i) }, () => fluxbase.jobs.enqueue("bench-noop", {})),
    );
  }
}

interface Drain {
  rate: number;
  ownMs: number;
  postgresMs: number | null;
  writes: WriteCost;
}

async function drainOurs(enqueuer: Enqueuer, url: string, dataDir: string): Promise<Drain> {
  const sql = enqueuer.sql;
  await sql`delete from jobs.queue where job_name = 'bench-noop'`;
  const mark = await markWrites(sql);
  await enqueueBacklog(enqueuer);
  const worker = workerProcess(url, dataDir);
  const cost = await cpuOf(async () => {
    await worker.start();
    await untilDrained(sql, 100);
  });
  await worker.stop();
  const writes = await writesSince(sql, mark);
  const [{ seconds }] = await sql<{ seconds: number }[]>`
    select extract(epoch from max(completed_at) - min(started_at))::float8 as seconds
    from jobs.queue where job_name = 'bench-noop'`;
  return { rate: jobs / seconds, ownMs: cost.ownMs, postgresMs: cost.postgresMs, writes };
}

async function drainGraphile(utils: GraphileUtils, url: string, sql: Enqueuer["sql"]): Promise<Drain> {
  const mark = await markWrites(sql);
  await enqueueGraphileJobs(utils, "noop", jobs);
  const own = ownCpuMs();
  const pg = postgresCpuMs();
  let ownMs = 0;
  let postgresMs: number | null = null;
  const seconds = await drainWithGraphile({
    url,
    jobs,
    slots,
    identifier: "noop",
    task: async () => {},
    drained: () => {
      postgresMs = pg === null ? null : postgresCpuMs()! - pg;
      ownMs = ownCpuMs() - own;
    },
  });
  const writes = await writesSince(sql, mark);
  return { rate: jobs / seconds, ownMs, postgresMs, writes };
}

async function pickupFromIdle(enqueuer: Enqueuer, url: string, dataDir: string): Promise<void> {
  const worker = workerProcess(url, dataDir);
  await worker.start();
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) {
    const { id } = await enqueuer.jobs.enqueue("bench-noop", {});
    ids.push(id);
    for (;;) {
      const [row] = await enqueuer.sql`select status from jobs.queue where id = ${id}`;
      if (row?.status === "completed") break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  await worker.stop();
  const rows = await enqueuer.sql<{ ms: number }[]>`
    select (extract(epoch from started_at - created_at) * 1000)::float8 as ms
    from jobs.queue where id = any(${ids}::uuid[])`;
  const sorted = rows.map((r) => r.ms).sort((a, b) => a - b);
  console.log(
    `  trusted handler pickup from idle (30 jobs, one at a time): p50 ${fmt(percentile(sorted, 50))}  p95 ${fmt(percentile(sorted, 95))} (goal p50 ≤ 5 ms)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
