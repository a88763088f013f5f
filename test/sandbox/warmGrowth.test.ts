/**
 * How a warm pool grows: a run that finds every process busy waits for the first one free, so a
 * burst of short runs is served by the processes already up; runs that last each get a process of
 * their own; a run still waiting can be killed or cancelled like any other.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SandboxOutcome } from "../../sandbox/index.ts";
import { type JobOverrides, startJob, startSandbox, type TestSandbox } from "./helpers.ts";

let t: TestSandbox;
beforeAll(async () => {
  t = await startSandbox(undefined, { jobThread: "main", warm: { maxRuns: 1000, idleMs: 60_000 } });
}, 60_000);
afterAll(() => t?.close());

const warm = (code: string, overrides: JobOverrides = {}) =>
  startJob(t.sandbox, code, { isolation: "warm", ...overrides });
const result = (outcome: SandboxOutcome) => {
  if (outcome.status !== "completed") throw new Error(`run failed: ${outcome.message}`);
  return outcome.result as Record<string, number | boolean>;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Each test has code of its own, so a pool of its own.
const sleeper = (tag: string) => `// ${tag}
export default async (req, fluxbase, service, job) => {
  const startedAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, job.getJobPayload().ms));
  return { pid: Deno.pid, startedAt, cancelled: job.isCancelled() };
};`;

describe("warm pool growth", { timeout: 60_000 }, () => {
  it("serves a burst of short runs with the processes already up, not one process per run", async () => {
    const code = sleeper("burst");
    result((await warm(code, { input: { payload: { ms: 0 } } }).finished).outcome);
    const before = t.sandbox.warmProcesses();
    const runs = 30;
    const outcomes = await Promise.all(
      Array.from({ length: runs }, () => warm(code, { input: { payload: { ms: 0 } } }).finished),
    );
    const pids = new Set(outcomes.map(({ outcome }) => result(outcome).pid));
    expect(pids.size).toBeGreaterThanOrEqual(1);
    expect(pids.size).toBeLessThan(runs / 2);
    expect(t.sandbox.warmProcesses() - before).toBeLessThan(runs / 2);
  });

  it("gives runs that last a process each, all running at once", async () => {
    const code = sleeper("long");
    const ms = 3_000;
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () => warm(code, { input: { payload: { ms } } }).finished),
    );
    const results = outcomes.map(({ outcome }) => result(outcome));
    expect(new Set(results.map((r) => r.pid)).size).toBe(6);
    const starts = results.map((r) => r.startedAt as number);
    // Every run had started before the first one ended.
    expect(Math.max(...starts)).toBeLessThan(Math.min(...starts) + ms);
  });

  it("ends a waiting run that is killed without starting a process, and passes on a cancel", async () => {
    const code = sleeper("queued");
    const first = warm(code, { input: { payload: { ms: 20_000 } } });
    await sleep(100); // the pool's spare is started on a turn of its own
    const second = warm(code, { input: { payload: { ms: 20_000 } } });
    const processes = t.sandbox.warmProcesses();

    // Both processes are busy: this run waits, and is killed while it does.
    const killed = warm(code, { input: { payload: { ms: 0 } } });
    killed.run.kill("cancelled");
    expect((await killed.finished).outcome).toEqual({
      status: "failed",
      reason: "cancelled",
      message: "Job was cancelled",
    });
    await sleep(200);
    expect(t.sandbox.warmProcesses()).toBe(processes);

    // A cancel asked while it waits reaches the job once a process takes it.
    const cancelled = warm(code, { input: { payload: { ms: 0 } } });
    cancelled.run.requestCancel();
    expect(result((await cancelled.finished).outcome).cancelled).toBe(true);

    first.run.kill("terminated");
    second.run.kill("terminated");
    expect((await first.finished).outcome).toMatchObject({ status: "failed", reason: "killed" });
    expect((await second.finished).outcome).toMatchObject({ status: "failed", reason: "killed" });
  });
});
