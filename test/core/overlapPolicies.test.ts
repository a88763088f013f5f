/**
 * The overlap policies that shape running, with real workers: `queue` runs one job per key at a
 * time, `@fluxbase:concurrency` caps a function's running jobs, `supersede` cancels the older jobs
 * of a key (aborting a running one's signal) — also when 20 submits of one key race.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { defineJob } from "../../server/handlers/defineJob.ts";
import { startTestServer, type TestServer, type TestUser, waitForJob } from "../support/server.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const runs: { job: string; key: string; start: number; end: number }[] = [];
let active = 0;
let mostActive = 0;
const aborted = new Set<string>();

const onePerKey = defineJob({
  name: "one-per-key",
  overlap: { policy: "queue", key: "k" },
  handler: async (ctx, payload: Record<string, unknown>) => {
    const start = Date.now();
    await sleep(120);
    runs.push({ job: ctx.job.id, key: String(payload.k), start, end: Date.now() });
  },
});
const capped = defineJob({
  name: "capped",
  concurrency: 2,
  handler: async () => {
    mostActive = Math.max(mostActive, ++active);
    await sleep(120);
    active--;
  },
});
const latestWins = defineJob({
  name: "latest-wins",
  overlap: { policy: "supersede", key: "doc" },
  handler: async (ctx, payload: Record<string, unknown>) => {
    if (payload.fast) return "done";
    await new Promise<void>((resolve) => {
      ctx.signal.addEventListener("abort", () => resolve());
      setTimeout(resolve, 10_000);
    });
    if (ctx.signal.aborted && ctx.isCancelled()) aborted.add(ctx.job.id);
    return "slow";
  },
});

let server: TestServer;
let alice: TestUser;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "fluxbase-overlap-policies-"));
  mkdirSync(path.join(dir, "jobs"));
  writeFileSync(
    path.join(dir, "jobs", "annotated.ts"),
    "// @fluxbase:overlap queue\n// @fluxbase:overlap-key k\n// @fluxbase:concurrency 3\nexport default async () => 1;\n",
  );
  server = await startTestServer({
    workers: true,
    jobs: { dir: path.join(dir, "jobs"), maxConcurrentPerWorker: 10 },
    handlers: [onePerKey, capped, latestWins],
  });
  alice = await server.user();
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function submit(name: string, payload: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const res = await server.request("POST", "/api/v1/jobs/submit", {
    token: alice.token,
    body: { job_name: name, payload, ...extra },
  });
  expect(res.status).toBe(201);
  return (await res.json()).id as string;
}

it("queue: accepts every submit, runs one job per key at a time, keys side by side", async () => {
  const ids = await Promise.all(
    ["a", "a", "a", "a", "b", "b"].map((k, i) => submit("one-per-key", { k, i })),
  );
  for (const id of ids) expect((await waitForJob(server, id)).status).toBe("completed");
  for (const key of ["a", "b"]) {
    const mine = runs.filter((run) => run.key === key).sort((x, y) => x.start - y.start);
    expect(mine).toHaveLength(key === "a" ? 4 : 2);
    for (let i = 1; i < mine.length; i++) expect(mine[i]!.start).toBeGreaterThanOrEqual(mine[i - 1]!.end);
  }
  const a = runs.filter((run) => run.key === "a");
  const b = runs.filter((run) => run.key === "b");
  expect(b.some((rb) => a.some((ra) => ra.start < rb.end && rb.start < ra.end))).toBe(true);
});

it("concurrency: never more running jobs of the function than its cap, and it reaches the cap", async () => {
  const ids = await Promise.all(Array.from({ length: 8 }, (_, i) => submit("capped", { i })));
  for (const id of ids) expect((await waitForJob(server, id)).status).toBe("completed");
  expect(mostActive).toBe(2);
});

it("supersede: a new job cancels the running one (its signal aborts) and the pending ones", async () => {
  const first = await submit("latest-wins", { doc: "d1" });
  await waitForJob(server, first, (job) => job.status === "running");
  const second = await submit("latest-wins", { doc: "d1", fast: true });
  const old = await waitForJob(server, first);
  expect(old).toMatchObject({ status: "cancelled", superseded_by: second });
  const res = await server.request("GET", `/api/v1/jobs/${first}`, { token: alice.token });
  expect(await res.json()).toMatchObject({
    superseded_by: second,
    error_message: `Superseded by job ${second}`,
  });
  expect((await waitForJob(server, second)).status).toBe("completed");
  await expect.poll(() => aborted.has(first)).toBe(true);
  // Another key is left alone.
  const other = await submit("latest-wins", { doc: "d2", fast: true });
  expect((await waitForJob(server, other)).status).toBe("completed");
});

it("supersede: of 20 racing submits of one key exactly one stays active", async () => {
  const ids = await Promise.all(
    Array.from({ length: 20 }, (_, i) => submit("latest-wins", { doc: "race", i }, { delay: 3600 })),
  );
  const rows = await server.db
    .sql`select id, status, superseded_by from jobs.queue where id = any(${ids}::uuid[])`;
  const alive = rows.filter((row) => row.status === "pending");
  expect(alive).toHaveLength(1);
  expect(rows.filter((row) => row.status === "cancelled")).toHaveLength(19);
  for (const row of rows) if (row.status === "cancelled") expect(ids).toContain(row.superseded_by);
});

it("reads queue, concurrency and supersede from annotations and defineJob into the functions list", async () => {
  const res = await server.request("GET", "/api/v1/admin/jobs/functions", { token: server.serviceKey });
  const { functions } = await res.json();
  const byName = new Map((functions as { name: string }[]).map((fn) => [fn.name, fn]));
  expect(byName.get("annotated")).toMatchObject({
    overlap: { policy: "queue", key: "k", scope: "user" },
    concurrency: 3,
  });
  expect(byName.get("capped")).toMatchObject({ overlap: null, concurrency: 2 });
  expect(byName.get("latest-wins")).toMatchObject({ overlap: { policy: "supersede", key: "doc" } });
});

it("refuses a bad concurrency, annotated or defined, naming it", async () => {
  const res = await server.request("POST", "/api/v1/admin/jobs/functions", {
    token: server.serviceKey,
    body: { name: "bad-cap", code: "// @fluxbase:concurrency 0\nexport default async () => 1;\n" },
  });
  expect(res.status).toBe(400);
  expect(await res.json()).toMatchObject({ code: "INVALID_ANNOTATION" });
  const bad = defineJob({ name: "bad-cap", concurrency: 1.5, handler: async () => null });
  const error = await startTestServer({ handlers: [bad] }).then(
    async (started) => {
      await started.stop();
      return undefined;
    },
    (e: Error) => e,
  );
  expect(String(error?.message)).toContain("concurrency must be a whole number");
});
