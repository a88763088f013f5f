/**
 * Jobs benchmark: pickup latency from idle, throughput of trivial sandboxed jobs, and what the
 * sandbox adds per run (a process per run, and a warm process). Goals on a 2-core machine: pickup
 * p50 < 10 ms; the sandboxed rate against the peer is bench/peerSandboxed.ts.
 * CPU per job is what bounds throughput there: Deno's (the sandbox) and this process's (the server).
 */
import { createSandbox, measureRunOverhead, processTreeCpu } from "../sandbox/index.ts";
import { ensureSecret } from "../server/auth/jwtSecret.ts";
import { mintToken } from "../server/auth/mintToken.ts";
import { type BenchServer, fmt, percentile, startBenchServer } from "./benchServer.ts";

const trivial = `export async function handler() { return { ok: true }; }\n`;
const total = Number(process.env.BENCH_JOBS ?? 300);
const idleSamples = Number(process.env.BENCH_IDLE_SAMPLES ?? 30);

async function submit(server: BenchServer, token: string): Promise<string> {
  const res = await fetch(`${server.url}/api/v1/jobs/submit`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ job_name: "trivial" }),
  });
  if (res.status !== 201) throw new Error(`submit failed: ${res.status} ${await res.text()}`);
  return (await res.json()).id;
}

async function timings(server: BenchServer, ids: string[]) {
  const rows = await server.fluxbase.sql<{ start_ms: number; done_ms: number; status: string }[]>`
    select (extract(epoch from started_at - created_at) * 1000)::float8 as start_ms,
           (extract(epoch from completed_at - created_at) * 1000)::float8 as done_ms, status
    from jobs.queue where id = any(${ids}::uuid[])`;
  return rows;
}

async function waitAllDone(server: BenchServer, ids: string[]): Promise<void> {
  for (;;) {
    const [{ n }] = await server.fluxbase.sql<{ n: number }[]>`
      select count(*)::int as n from jobs.queue where id = any(${ids}::uuid[]) and status in ('completed', 'failed')`;
    if (n === ids.length) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const stats = (label: string, values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `${label}: p50 ${fmt(percentile(sorted, 50))}  p95 ${fmt(percentile(sorted, 95))}  p99 ${fmt(percentile(sorted, 99))}`;
};

export async function runJobsBench(): Promise<void> {
  const server = await startBenchServer({ "trivial.ts": trivial });
  try {
    const secret = ensureSecret("", server.fluxbase.config.dataDir, "jwt_secret");
    const token = await mintToken(secret, {
      role: "authenticated",
      sub: "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b",
    });
    // Warm up: the first run compiles the guest and fills caches.
    const warm = await submit(server, token);
    await waitAllDone(server, [warm]);

    const idle: string[] = [];
    for (let i = 0; i < idleSamples; i++) {
      const id = await submit(server, token);
      await waitAllDone(server, [id]);
      idle.push(id);
    }
    const idleRows = await timings(server, idle);
    console.log(`\nJobs — pickup from idle (${idleSamples} jobs, one at a time)`);
    console.log(
      `  ${stats(
        "submit→start   ",
        idleRows.map((r) => r.start_ms),
      )}`,
    );
    console.log(
      `  ${stats(
        "submit→complete",
        idleRows.map((r) => r.done_ms),
      )}`,
    );

    const started = performance.now();
    const treeBefore = processTreeCpu();
    const serverCpuBefore = process.cpuUsage();
    const ids = await Promise.all(Array.from({ length: total }, () => submit(server, token)));
    await waitAllDone(server, ids);
    const seconds = (performance.now() - started) / 1000;
    const tree = processTreeCpu();
    const denoCpu = treeBefore && tree ? (tree.jobMs - treeBefore.jobMs) / total : null;
    const serverCpuUs = process.cpuUsage(serverCpuBefore);
    // The server's share includes its spawner's, which starts the job processes for it.
    const spawnerMs = treeBefore && tree ? tree.spawnerMs - treeBefore.spawnerMs : 0;
    const serverCpu = ((serverCpuUs.user + serverCpuUs.system) / 1000 + spawnerMs) / total;
    const rows = await timings(server, ids);
    const failed = rows.filter((r) => r.status !== "completed").length;
    const { embeddedWorkerCount, maxConcurrentPerWorker } = server.fluxbase.config.jobs;
    console.log(
      `\nJobs — burst of ${total} trivial sandboxed jobs (${embeddedWorkerCount}×${maxConcurrentPerWorker} slots)`,
    );
    console.log(
      `  throughput: ${(total / seconds).toFixed(1)} jobs/s (${seconds.toFixed(2)} s, ${failed} failed)`,
    );
    console.log(
      `  CPU per job: Deno ${denoCpu === null ? "n/a" : fmt(denoCpu)}, server (this process) ${fmt(serverCpu)}`,
    );
    console.log(
      `  ${stats(
        "submit→start   ",
        rows.map((r) => r.start_ms),
      )}`,
    );
    console.log(
      `  ${stats(
        "submit→complete",
        rows.map((r) => r.done_ms),
      )}`,
    );

    const sandbox = createSandbox({ dataDir: server.fluxbase.config.dataDir });
    await sandbox.prepare();
    console.log("\nSandbox — cost of one run (→ result), trivial job, one at a time");
    for (const [isolation, label] of [
      ["process", "a Deno process per run (@fluxbase:isolation process)"],
      ["warm", "a warm process (the default)"],
    ] as const) {
      const overhead = await measureRunOverhead(sandbox, isolation === "warm" ? 200 : 20, isolation);
      const cpu = overhead.cpuMsPerRun === null ? "n/a" : fmt(overhead.cpuMsPerRun);
      console.log(
        `  ${label}: p50 ${fmt(overhead.p50Ms)}  p95 ${fmt(overhead.p95Ms)}  min ${fmt(overhead.minMs)}  CPU per run ${cpu}`,
      );
    }
    await sandbox.close();
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runJobsBench();
