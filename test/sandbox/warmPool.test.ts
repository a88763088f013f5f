/**
 * Warm processes: one Deno process serves run after run of a function version; what one run was
 * given (token, secrets, payload, context, nonce) is out of the next run's reach; a process that is
 * killed, exits, fails to load its module, ages or grows is replaced.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SandboxOutcome } from "../../sandbox/index.ts";
import { alive as isAlive } from "../support/processes.ts";
import { type JobOverrides, logText, runCode, startJob, startSandbox, type TestSandbox } from "./helpers.ts";

let t: TestSandbox;
beforeAll(async () => {
  t = await startSandbox(undefined, { jobThread: "main", warm: { maxRuns: 5, idleMs: 1_500 } });
}, 60_000);
afterAll(() => t?.close());

const warm = (code: string, overrides: JobOverrides = {}) =>
  runCode(t.sandbox, code, { isolation: "warm", ...overrides });
const result = (outcome: SandboxOutcome) => {
  if (outcome.status !== "completed") throw new Error(`run failed: ${outcome.message}`);
  return outcome.result as Record<string, unknown>;
};

const COUNTER = `let runs = 0;
export default (req, fluxbase, service, job) => ({ runs: ++runs, pid: Deno.pid, id: Deno.env.get("FLUXBASE_JOB_ID") });`;

describe("reuse", { timeout: 30_000 }, () => {
  it("serves runs of one version from one process, module state included, per-run env fresh", async () => {
    const seen = [];
    for (let i = 1; i <= 3; i++)
      seen.push(result((await warm(COUNTER, { env: { FLUXBASE_JOB_ID: `j${i}` } })).outcome));
    expect(seen.map((r) => r.runs)).toEqual([1, 2, 3]);
    expect(new Set(seen.map((r) => r.pid)).size).toBe(1);
    expect(seen.map((r) => r.id)).toEqual(["j1", "j2", "j3"]);
    // A process of its own per run: nothing carries over.
    const own = { isolation: "process", env: { FLUXBASE_JOB_ID: "own" } } as const;
    const a = result((await runCode(t.sandbox, COUNTER, own)).outcome);
    const b = result((await runCode(t.sandbox, COUNTER, own)).outcome);
    expect([a.runs, b.runs]).toEqual([1, 1]);
    expect(a.pid).not.toBe(b.pid);
  });

  it("retires a process after its maximum number of runs and when idle", async () => {
    const code = `${COUNTER}\n// max runs`;
    const pids = [];
    for (let i = 0; i < 7; i++) pids.push(result((await warm(code)).outcome).pid);
    // maxRuns is 5 here: the sixth run is served by another process.
    expect(new Set(pids.slice(0, 5)).size).toBe(1);
    expect(pids[5]).not.toBe(pids[0]);
    await waitFor(() => t.sandbox.warmProcesses() === 0, 6_000);
  });

  it("retires the processes of a function's older version as soon as a newer one runs", async () => {
    const v1 = result((await warm(`${COUNTER}\n// v1`, { poolName: "versioned" })).outcome);
    const before = t.sandbox.warmProcesses();
    result((await warm(`${COUNTER}\n// v2`, { poolName: "versioned" })).outcome);
    await waitFor(() => !isAlive(v1.pid as number), 3_000);
    expect(t.sandbox.warmProcesses()).toBeLessThanOrEqual(before);
  });

  it("replaces a process whose resident memory passed the function's limit after a run", async () => {
    // 150 MB outside the V8 heap, kept in module scope: under the kill line (limit + 192 MB headroom).
    const code = `const keep = []; export default () => { keep.push(new Uint8Array(150 * 1024 * 1024).fill(1)); return { pid: Deno.pid }; };`;
    const first = result((await warm(code, { memoryMb: 64 })).outcome);
    const second = result((await warm(code, { memoryMb: 64 })).outcome);
    expect(second.pid).not.toBe(first.pid);
    await waitFor(() => !isAlive(first.pid as number), 3_000);
  });
});

describe("cancel", { timeout: 30_000 }, () => {
  it("reaches a job that never yields in every run of a process, not only the first", async () => {
    // Spins without awaiting, so only the cancel file can tell it; returns when it sees the cancel.
    const code = `export default (r, a, b, job) => {
      job.reportProgress(1);
      const until = Date.now() + 8000;
      while (Date.now() < until) if (job.checkCancellation()) return { pid: Deno.pid };
      return { pid: Deno.pid, missed: true };
    };`;
    const pids = [];
    for (let i = 0; i < 3; i++) {
      const { run, finished, progress } = startJob(t.sandbox, code, {
        isolation: "warm",
        env: { FLUXBASE_JOB_ID: "j" },
      });
      await waitFor(() => progress.length > 0, 5_000);
      run.requestCancel();
      const { outcome, ms } = await finished;
      expect(result(outcome)).not.toHaveProperty("missed");
      expect(ms).toBeLessThan(5_000);
      pids.push(result(outcome).pid);
    }
    expect(new Set(pids).size).toBe(1);
  });
});

describe("a process that cannot go on is replaced", { timeout: 30_000 }, () => {
  it.each([
    [
      "a timeout",
      `export default (r, a, b, job) => { if (job.getJobPayload().spin) while (true) {} return { pid: Deno.pid }; }`,
      "timeout",
    ],
    [
      "Deno.exit()",
      `export default (r, a, b, job) => { if (job.getJobPayload().spin) Deno.exit(2); return { pid: Deno.pid }; }`,
      "error",
    ],
    [
      "an error thrown from a timer",
      `export default (r, a, b, job) => { if (!job.getJobPayload().spin) return { pid: Deno.pid }; setTimeout(() => { throw new Error("late"); }); return new Promise(() => {}); }`,
      "error",
    ],
  ])("after %s", async (_, code, reason) => {
    const before = result((await warm(code, { input: { payload: { spin: false } } })).outcome).pid as number;
    const failed = await warm(code, { timeoutMs: 800, input: { payload: { spin: true } } });
    expect(failed.outcome).toMatchObject({ status: "failed", reason });
    await waitFor(() => !isAlive(before), 3_000);
    const after = result((await warm(code, { input: { payload: { spin: false } } })).outcome).pid;
    expect(after).not.toBe(before);
  });

  it("loads the module again for the next run when it failed to load", async () => {
    const code = `if (!localStorage.getItem("x")) { localStorage.setItem("x", "1"); } throw new Error("load failed"); export default () => 1;`;
    const first = await warm(code);
    const second = await warm(code);
    expect(first.outcome).toMatchObject({ status: "failed", message: "load failed" });
    expect(second.outcome).toMatchObject({ status: "failed", message: "load failed" });
  });

  it("keeps serving after the job throws an ordinary error", async () => {
    const code = `export default (r, a, b, job) => { if (job.getJobPayload().fail) throw new Error("nope"); return { pid: Deno.pid }; }`;
    const a = result((await warm(code, { input: { payload: { fail: false } } })).outcome);
    expect((await warm(code, { input: { payload: { fail: true } } })).outcome).toMatchObject({
      message: "nope",
    });
    const b = result((await warm(code, { input: { payload: { fail: false } } })).outcome);
    expect(b.pid).toBe(a.pid);
  });
});

describe("per-run state", { timeout: 60_000 }, () => {
  const A = { token: "tok-user-a-7f3c91", secret: "sec-user-a-5d2e88", payload: "pay-user-a-94b1c7" };
  const runAs = (who: "a" | "b", code: string, extra: JobOverrides = {}) =>
    warm(code, {
      memoryMb: 512,
      ...extra,
      input: {
        payload: { note: who === "a" ? A.payload : "pay-user-b" },
        userToken: who === "a" ? A.token : "tok-user-b",
        serviceToken: who === "a" ? `svc-${A.token}` : "svc-b",
        secrets: { system: {}, user: { api: who === "a" ? A.secret : "sec-user-b" } },
        context: {
          job_id: who === "a" ? "job-a" : "job-b",
          job_name: "probe",
          namespace: "default",
          retry_count: 0,
          payload: null,
          user: { id: who, email: `${who}@example.com`, role: "authenticated" },
        },
      },
    });

  it("a second run (another user) finds nothing of the first run's token, secrets or payload", async () => {
    // An honest function that leaves nothing behind on purpose; the probe looks everywhere the
    // runtime offers: globals, secrets, env, web storage, stdin, and a full heap snapshot.
    const code = `import v8 from "node:v8";
export default async (req, fluxbase, service, job) => {
  const payload = job.getJobPayload();
  if (payload.note.startsWith("pay-user-a")) {
    localStorage.setItem("left", JSON.stringify(payload));
    sessionStorage.setItem("left", secrets.get("api"));
    await fluxbase.from("things").select("*").then(() => {}, () => {});
    return { who: "a", secret: secrets.get("api") };
  }
  let heap = "";
  for await (const chunk of v8.getHeapSnapshot()) heap += chunk;
  const globals = Object.getOwnPropertyNames(globalThis).map((k) => { try { return JSON.stringify(globalThis[k]) ?? ""; } catch { return ""; } }).join("\\n");
  const env = JSON.stringify(["FLUXBASE_URL", "FLUXBASE_JOB_ID", "FLUXBASE_JOB_NAME"].map((n) => Deno.env.get(n)));
  const storage = JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage });
  const stdin = await Promise.race([Deno.stdin.read(new Uint8Array(65536)), new Promise((r) => setTimeout(() => r("none"), 100))]);
  const places = { heap, globals, env, storage, context: JSON.stringify(job.getJobContext()), secret: secrets.get("api") ?? "" };
  // Spelled backwards in this code, so the needles are not in the heap until after the snapshot.
  const needles = ${JSON.stringify(Object.values(A).map((v) => [...v].reverse().join("")))}.map((n) => [...n].reverse().join(""));
  const found = {};
  for (const [place, text] of Object.entries(places))
    for (const needle of needles) if (text.includes(needle)) (found[place] ??= []).push(needle);
  return { who: "b", found, heapBytes: heap.length, stdin: typeof stdin === "number" ? "read bytes" : stdin, secret: secrets.get("api") };
};`;
    const first = await runAs("a", code, { permissions: { net: false, env: [], read: [], write: [] } });
    expect(result(first.outcome)).toEqual({ who: "a", secret: A.secret });
    const second = await runAs("b", code);
    const probe = result(second.outcome);
    expect(probe.heapBytes as number).toBeGreaterThan(100_000);
    expect(probe).toMatchObject({ who: "b", stdin: "none", secret: "sec-user-b" });
    expect(probe.found).toEqual({});
    // Both runs were served by one process.
    expect(logText(first.logs) + logText(second.logs)).not.toContain("exited");
  });

  it("clients, secrets and request kept from an earlier run refuse to work", async () => {
    const code = `let kept;
export default async (req, fluxbase, service, job) => {
  if (!kept) { kept = { fluxbase, service, secrets, req }; return { pid: Deno.pid }; }
  const tries = {};
  for (const [name, use] of Object.entries({
    fluxbase: () => kept.fluxbase.from("x"),
    service: () => kept.service.jobs,
    secrets: () => kept.secrets.get("api"),
    req: () => kept.req.url,
  })) { try { use(); tries[name] = "worked"; } catch (error) { tries[name] = error.message; } }
  return { pid: Deno.pid, tries, own: secrets.get("api") };
};`;
    const first = result((await runAs("a", code)).outcome);
    const second = result((await runAs("b", code)).outcome);
    expect(second.pid).toBe(first.pid);
    expect(second.own).toBe("sec-user-b");
    const tries = second.tries as Record<string, string>;
    for (const name of ["fluxbase", "service", "req"])
      expect(tries[name]).toMatch(/belongs to a job run that has ended/);
    expect(tries.secrets).toMatch(/belong to a job run that has ended/);
  });

  it("attributes each line of output to the run that printed it", async () => {
    const code = `export default (r, a, b, job) => { const n = job.getJobPayload().n; console.log("out " + n); console.error("err " + n); console.warn("warn " + n); return n; };`;
    for (let n = 0; n < 5; n++) {
      const { outcome, logs } = await warm(code, { input: { payload: { n } } });
      expect(outcome).toMatchObject({ status: "completed", result: n });
      expect(logs.map((l) => `${l.level}: ${l.message}`).sort()).toEqual([
        `error: err ${n}`,
        `info: out ${n}`,
        `warn: warn ${n}`,
      ]);
    }
  });
});

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
