/**
 * Per-run overhead of the sandbox: spawn → result for a job that does nothing. The first run after
 * `prepare()` is already warm (prepare runs a self-test), so every sample is a steady-state run.
 */
import { createHash } from "node:crypto";
import type { Sandbox } from "./types.ts";

export interface OverheadReport {
  runs: number;
  minMs: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
}

const TRIVIAL = "export default () => 1;\n";

/** Runs a trivial job `runs` times, one after the other, on a prepared sandbox. */
export async function measureRunOverhead(sandbox: Sandbox, runs = 20): Promise<OverheadReport> {
  const codeHash = createHash("sha256").update(TRIVIAL).digest("hex");
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const outcome = await sandbox.run({
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
    }).outcome;
    if (outcome.status !== "completed") throw new Error(`benchmark run failed: ${outcome.message}`);
    samples.push(performance.now() - started);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    runs,
    minMs: round(sorted[0]!),
    meanMs: round(samples.reduce((a, b) => a + b, 0) / runs),
    p50Ms: round(at(0.5)),
    p95Ms: round(at(0.95)),
  };
}
