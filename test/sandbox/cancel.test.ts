/** Cooperative cancellation and hard kills. */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alive as isAlive } from "../support/processes.ts";
import { JOB_THREADS, startJob, startSandbox, type TestSandbox } from "./helpers.ts";

let t: TestSandbox;
beforeAll(async () => {
  t = await startSandbox();
}, 60_000);
afterAll(() => t?.close());

/** Resolves once the job reported `percent`, i.e. its code is running. */
function reached(progress: { percent: number }[], percent: number): Promise<void> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (progress.some((p) => p.percent === percent)) {
        clearInterval(poll);
        resolve();
      }
    }, 5);
  });
}

// Each mode carries a cancel to a spinning job its own way: a shared flag (Worker) or a file (main).
describe.each(JOB_THREADS)("cancellation (job on the %s thread)", { timeout: 20_000 }, (jobThread) => {
  let s: TestSandbox;
  beforeAll(async () => {
    s = await startSandbox(undefined, { jobThread });
  }, 60_000);
  afterAll(() => s?.close());

  it("lets an awaiting job see the cancel through isCancelled, checkCancellation and its signal", async () => {
    const job = startJob(
      s.sandbox,
      `export default async (req, a, b, job) => {
        const aborted = new Promise((resolve) => job.signal.addEventListener("abort", () => resolve(job.signal.reason?.name)));
        job.reportProgress(1, "waiting");
        const reason = await aborted;
        return { reason, cancelled: await job.isCancelled(), checked: job.checkCancellation() };
      }`,
    );
    await reached(job.progress, 1);
    const asked = Date.now();
    job.run.requestCancel();
    const { outcome } = await job.finished;
    expect(outcome).toEqual({
      status: "completed",
      result: { reason: "AbortError", cancelled: true, checked: true },
    });
    expect(Date.now() - asked).toBeLessThan(1_000);
  });

  it("reaches a job that never yields to the event loop", async () => {
    const job = startJob(
      s.sandbox,
      `export default (req, a, b, job) => {
        let spins = 0;
        // Progress only from inside the loop: the cancel can't land before the job spins.
        while (!job.checkCancellation()) if (++spins === 1_000) job.reportProgress(1);
        return { spins: spins >= 1_000, aborted: job.signal.aborted };
      }`,
    );
    await reached(job.progress, 1);
    const asked = Date.now();
    job.run.requestCancel();
    const { outcome } = await job.finished;
    expect(outcome).toEqual({ status: "completed", result: { spins: true, aborted: true } });
    expect(Date.now() - asked).toBeLessThan(1_000);
  });

  it("leaves no cancel file behind", async () => {
    const job = startJob(
      s.sandbox,
      "export default (req, a, b, job) => { job.reportProgress(1); while (!job.checkCancellation()) {} }",
    );
    await reached(job.progress, 1);
    job.run.requestCancel();
    expect((await job.finished).outcome.status).toBe("completed");
    expect(readdirSync(join(s.dataDir, "sandbox", "cancel"))).toEqual([]);
  });
});

describe("cancellation by kill", { timeout: 20_000 }, () => {
  it("kills a job that ignores the request: reason cancelled", async () => {
    const job = startJob(
      t.sandbox,
      "export default (req, a, b, job) => { job.reportProgress(1); while (true) {} }",
    );
    await reached(job.progress, 1);
    job.run.requestCancel();
    await new Promise((r) => setTimeout(r, 200));
    job.run.kill("cancelled");
    const { outcome } = await job.finished;
    expect(outcome).toEqual({ status: "failed", reason: "cancelled", message: "Job was cancelled" });
  });

  it("kills immediately: terminated and shutdown are reason killed", async () => {
    for (const [how, message] of [
      ["terminated", "Job was terminated"],
      ["shutdown", "Job was killed because the server is shutting down"],
    ] as const) {
      const job = startJob(
        t.sandbox,
        "export default (req, a, b, job) => { job.reportProgress(1); while (true) {} }",
      );
      await reached(job.progress, 1);
      const killedAt = Date.now();
      job.run.kill(how);
      const { outcome } = await job.finished;
      expect(outcome).toEqual({ status: "failed", reason: "killed", message });
      expect(Date.now() - killedAt).toBeLessThan(1_000);
      expect(isAlive(job.run.pid)).toBe(false);
    }
  });

  it("close() kills every live run", async () => {
    const own = await startSandbox();
    const a = startJob(own.sandbox, "export default () => { while (true) {} }");
    const b = startJob(own.sandbox, "export default () => new Promise(() => {})");
    await own.close();
    expect((await a.finished).outcome).toMatchObject({ status: "failed", reason: "killed" });
    expect((await b.finished).outcome).toMatchObject({ status: "failed", reason: "killed" });
    expect(isAlive(a.run.pid) || isAlive(b.run.pid)).toBe(false);
    expect(() => own.sandbox.run({} as never)).toThrow(/closed/);
  });
});
