/**
 * Per-run overhead of the sandbox: spawn → result for a job that does nothing. The first run after
 * `prepare()` is already warm (prepare runs a self-test), so every sample is a steady-state run.
 */
import { createHash } from "node:crypto";
import { processCpuMs, processTreeCpu } from "./processTreeCpu.ts";
import type { Isolation, Sandbox } from "./types.ts";

export interface OverheadReport {
  runs: number;
  minMs: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  /**
   * CPU (user + system) the Deno processes used, per run: what bounds throughput on a busy machine.
   * Null where /proc is missing. Counts every process below this one meanwhile, so measure alone.
   */
  cpuMsPerRun: number | null;
}

const TRIVIAL = "export default () => 1;\n";

/**
 * Runs a trivial job `runs` times, one after the other, on a prepared sandbox. "process": each run
 * starts Deno (CPU from reaped children); "warm": one warm process serves them all after a first
 * run that starts it, which is not counted (CPU from that process's own counters).
 */
export async function measureRunOverhead(
  sandbox: Sandbox,
  runs = 20,
  isolation: Isolation = "process",
): Promise<OverheadReport> {
  const codeHash = createHash("sha256").update(TRIVIAL).digest("hex");
  const samples: number[] = [];
  const runOnce = (i: number) =>
    sandbox.run({
      code: TRIVIAL,
      codeHash,
      permissions: { net: false, env: [], read: [], write: [] },
      serverUrl: "http://127.0.0.1:9",
      env: {},
      memoryMb: 64,
      timeoutMs: 10_000,
      progressTimeoutMs: 0,
      input: {
        payload: null,
        context: {
          job_id: `bench-${i}`,
          job_name: "bench",
          namespace: "default",
          retry_count: 0,
          payload: null,
          user: null,
        },
        userToken: null,
        serviceToken: "bench",
      },
      onProgress: () => {},
      onLog: () => {},
      isolation,
    });
  const first = isolation === "warm" ? runOnce(-1) : undefined;
  if (first) await first.outcome;
  const cpuNow = () => (first ? processCpuMs(first.pid) : (processTreeCpu()?.jobMs ?? null));
  const cpuBefore = cpuNow();
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const outcome = await runOnce(i).outcome;
    if (outcome.status !== "completed") throw new Error(`benchmark run failed: ${outcome.message}`);
    samples.push(performance.now() - started);
  }
  const cpuAfter = cpuNow();
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    runs,
    minMs: round(sorted[0]!),
    meanMs: round(samples.reduce((a, b) => a + b, 0) / runs),
    p50Ms: round(at(0.5)),
    p95Ms: round(at(0.95)),
    cpuMsPerRun: cpuBefore === null || cpuAfter === null ? null : round((cpuAfter - cpuBefore) / runs),
  };
}
