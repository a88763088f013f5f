/** Time and memory limits: every runaway job ends as a failed outcome, within seconds. */
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCode, startJob, startSandbox, type TestSandbox } from "./helpers.ts";

let t: TestSandbox;
beforeAll(async () => {
  t = await startSandbox();
}, 60_000);
afterAll(() => t?.close());

describe("limits", { timeout: 20_000 }, () => {
  it("kills a job that runs past its timeout", async () => {
    const { outcome, ms } = await runCode(t.sandbox, "export default () => new Promise(() => {})", {
      timeoutMs: 700,
    });
    expect(outcome).toEqual({
      status: "failed",
      reason: "timeout",
      message: "Job exceeded its timeout of 0.7 seconds",
    });
    expect(ms).toBeLessThan(3_000);
  });

  it("kills an infinite loop on timeout", async () => {
    const { outcome, ms } = await runCode(t.sandbox, "export default () => { while (true) {} }", {
      timeoutMs: 600,
    });
    expect(outcome).toMatchObject({ status: "failed", reason: "timeout" });
    expect(ms).toBeLessThan(3_000);
  });

  it("aborts job.signal shortly before the timeout, so a job can stop on its own", async () => {
    const { outcome } = await runCode(
      t.sandbox,
      `export default (req, a, b, job) => new Promise((resolve) =>
        job.signal.addEventListener("abort", () => resolve({ reason: job.signal.reason.name, cancelled: job.isCancelled() })))`,
      { timeoutMs: 3_000 },
    );
    expect(outcome).toEqual({ status: "completed", result: { reason: "TimeoutError", cancelled: false } });
  });

  it("fails a job that stops reporting progress", async () => {
    const { outcome, progress, ms } = await runCode(
      t.sandbox,
      `export default async (req, a, b, job) => {
        for (let i = 1; i <= 3; i++) { job.reportProgress(i * 10); await new Promise((r) => setTimeout(r, 500)); }
        await new Promise(() => {});
      }`,
      { progressTimeoutMs: 1_200, timeoutMs: 10_000 },
    );
    expect(outcome).toEqual({
      status: "failed",
      reason: "progress_timeout",
      message: "Job reported no progress for 1.2 seconds (progress timeout)",
    });
    // Each report restarted the clock: the run outlived one progress timeout by far.
    expect(progress.map((p) => p.percent)).toEqual([10, 20, 30]);
    expect(ms).toBeGreaterThan(1_800);
    expect(ms).toBeLessThan(6_000);
  });

  it("ends an allocation bomb as a memory failure", async () => {
    const { outcome, ms } = await runCode(
      t.sandbox,
      "export default () => { const keep = []; while (true) keep.push(new Array(100_000).fill(Math.random())); }",
      { memoryMb: 64 },
    );
    expect(outcome).toMatchObject({ status: "failed", reason: "memory" });
    expect(outcome.status === "failed" && outcome.message).toContain("64 MB");
    expect(ms).toBeLessThan(8_000);
  });

  it("ends an ArrayBuffer bomb (outside the V8 heap) as a memory failure", async () => {
    const { outcome, ms } = await runCode(
      t.sandbox,
      "export default () => { const keep = []; while (true) { const b = new Uint8Array(32e6); b.fill(1); keep.push(b); } }",
      { memoryMb: 64 },
    );
    expect(outcome).toMatchObject({ status: "failed", reason: "memory" });
    expect(outcome.status === "failed" && outcome.message).toMatch(
      /memory limit of 64 MB \(resident memory reached \d+ MB\)/,
    );
    expect(ms).toBeLessThan(8_000);
  });

  it("fails a result over the size limit without sending it", async () => {
    const { outcome } = await runCode(t.sandbox, "export default () => 'x'.repeat(2_000_000)", {
      maxResultBytes: 1_000_000,
    });
    expect(outcome).toMatchObject({ status: "failed", reason: "error" });
    expect(outcome.status === "failed" && outcome.message).toMatch(/over the limit of 1000000/);
  });

  it("carries a large result within the limit", async () => {
    const { outcome } = await runCode(t.sandbox, "export default () => ({ s: 'é'.repeat(3_000_000) })");
    expect(outcome.status).toBe("completed");
    expect(outcome.status === "completed" && (outcome.result as { s: string }).s.length).toBe(3_000_000);
  });

  it("runs job code below the server's CPU priority, its whole session group too", async () => {
    // The job says its pid and waits; meanwhile the process is read from outside, as `ps` would.
    const job = startJob(
      t.sandbox,
      `export default async (req, a, b, job) => {
        job.reportProgress(1, String(Deno.pid));
        await new Promise((resolve) => setTimeout(resolve, 1500));
        return null;
      }`,
    );
    const deadline = Date.now() + 10_000;
    while (job.progress.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const pid = Number(job.progress[0]?.message);
    // /proc/<pid>/stat: the 19th field is the nice value (after the command, which is in parentheses).
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const nice = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
    expect(nice).toBe(15);
    // With autogroup scheduling each session shares CPU as one group whatever its nice values.
    if (existsSync(`/proc/${pid}/autogroup`)) {
      expect(readFileSync(`/proc/${pid}/autogroup`, "utf8")).toMatch(/ nice 15$/m);
    }
    expect((await job.finished).outcome).toEqual({ status: "completed", result: null });
  });
});
