/** Lanes: api-lane jobs run in processes with the HTTP API, worker-lane jobs in worker processes. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFluxbase } from "../../server/app.ts";
import { defineJob } from "../../server/index.ts";
import type { Logger } from "../../server/log.ts";
import {
  insertFunction,
  startTestServer,
  type TestServer,
  type TestUser,
  waitForJob,
} from "../support/server.ts";

let release: () => void = () => {};
let gate = new Promise<void>((resolve) => {
  release = resolve;
});

const inApi = defineJob({ name: "in-api", runIn: "api", handler: () => ({ lane: "api" }) });
const inWorker = defineJob({ name: "in-worker", runIn: "worker", handler: () => ({ lane: "worker" }) });
const blocker = defineJob({
  name: "blocker",
  runIn: "api",
  handler: async () => {
    await gate;
    return "released";
  },
});

let server: TestServer;
let alice: TestUser;

beforeAll(async () => {
  // An API process with no worker-lane workers: only the api lane runs here, one job at a time.
  server = await startTestServer({
    handlers: [inApi, inWorker, blocker],
    jobs: { apiLaneConcurrency: 1 },
  });
  alice = await server.user();
  await insertFunction(server, {
    name: "sandboxed-api",
    code: "export function handler() { return 'sandboxed in api' }",
  });
  await server.db.sql`update jobs.functions set run_in = 'api' where name = 'sandboxed-api'`;
});
afterAll(() => server.stop());

const submit = async (jobName: string) => {
  const res = await server.request("POST", "/api/v1/jobs/submit", {
    token: alice.token,
    body: { job_name: jobName },
  });
  expect(res.status).toBe(201);
  return (await res.json()).id as string;
};

describe("lanes", () => {
  it("runs api-lane jobs (handlers and sandboxed) in the API process and leaves worker-lane jobs alone", async () => {
    const api = await submit("in-api");
    const sandboxed = await submit("sandboxed-api");
    const worker = await submit("in-worker");
    expect(await waitForJob(server, api)).toMatchObject({
      status: "completed",
      lane: "api",
      result: { lane: "api" },
    });
    expect(await waitForJob(server, sandboxed)).toMatchObject({
      status: "completed",
      lane: "api",
      kind: "sandboxed",
    });
    const [ran] = await server.db.sql`
      select w.lane, w.name from jobs.queue q join jobs.workers w on w.id = q.worker_id where q.id = ${api}`;
    expect(ran).toMatchObject({ lane: "api" });
    expect(ran!.name).toMatch(/^api-worker-/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await waitForJob(server, worker, () => true)).status).toBe("pending");
  });

  it("stats show each lane and warn when worker-lane jobs have no live worker", async () => {
    const res = await server.request("GET", "/api/v1/admin/jobs/stats", { token: server.serviceKey });
    const stats = await res.json();
    expect(stats.lanes.worker).toMatchObject({ pending: 1, live_workers: 0 });
    expect(stats.lanes.api.live_workers).toBe(1);
    expect(stats.warnings).toEqual([
      expect.stringMatching(/1 worker-lane job\(s\) are waiting and no worker process is alive/),
    ]);
  });

  it("holds the api lane to its own concurrency", async () => {
    const first = await submit("blocker");
    const second = await submit("blocker");
    await waitForJob(server, first, (j) => j.status === "running");
    await new Promise((resolve) => setTimeout(resolve, 400));
    const [{ running }] = await server.db.sql<{ running: number }[]>`
      select count(*)::int as running from jobs.queue where job_name = 'blocker' and status = 'running'`;
    expect(running).toBe(1);
    release();
    expect((await waitForJob(server, second)).status).toBe("completed");
    gate = new Promise<void>((resolve) => {
      release = resolve;
    });
  });

  it("an API-only process warns about waiting worker-lane jobs, and a worker process runs them", async () => {
    const warnings: string[] = [];
    const capture: Logger = {
      debug() {},
      info() {},
      warn: (message) => warnings.push(message),
      error() {},
      child: () => capture,
    };
    const dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-lanes-"));
    const common = {
      env: {},
      handlers: [inApi, inWorker, blocker],
      logger: capture,
    };
    const jobs = { dir: path.join(dataDir, "jobs"), laneWarningInterval: 100, pollInterval: 100 };
    const apiOnly = createFluxbase({
      ...common,
      options: { role: "api", port: 0, databaseUrl: server.db.url, dataDir, jwtSecret: "x".repeat(40), jobs },
    });
    try {
      await apiOnly.start();
      await expect
        .poll(() => warnings.join("\n"), { timeout: 5000 })
        .toMatch(/worker-lane job\(s\) are waiting/);
      const worker = createFluxbase({
        ...common,
        options: {
          role: "worker",
          databaseUrl: server.db.url,
          dataDir,
          jwtSecret: "x".repeat(40),
          jobs: { ...jobs, embeddedWorkerCount: 1 },
        },
      });
      try {
        await worker.start();
        const [pending] = await server.db.sql`select id from jobs.queue where job_name = 'in-worker'`;
        expect(await waitForJob(server, pending!.id)).toMatchObject({
          status: "completed",
          result: { lane: "worker" },
        });
      } finally {
        await worker.stop();
      }
    } finally {
      await apiOnly.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
