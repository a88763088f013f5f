/** A closed-loop load: `clients` loops each calling `once` again as soon as it returns, for `seconds`. */
import { percentile } from "./benchServer.ts";

export interface ClosedLoopResult {
  /** Calls per second over the time the loops really ran (the last calls end after the deadline). */
  rate: number;
  p50: number;
  p99: number;
}

export async function closedLoop(
  clients: number,
  seconds: number,
  once: () => Promise<void>,
): Promise<ClosedLoopResult> {
  const latencies: number[] = [];
  const startedAt = performance.now();
  const deadline = startedAt + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await once();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - startedAt) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    rate: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}
