/**
 * Jobs that really run (workers on, real Deno sandbox), driven only through the SDK: upload a
 * function, submit, follow progress with waitFor, read logs, cancel; inside the sandbox the handler
 * uses the SDK clients it was given.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type FluxbaseClient } from "../../sdk/src/index.ts";
import { startTestServer, type TestServer, type TestUser } from "../support/server.ts";

let server: TestServer;
let alice: TestUser;
let client: FluxbaseClient;

const report = `/**
 * @fluxbase:timeout 60
 */
export async function handler(req, fluxbase, fluxbaseService, job) {
  const { items } = job.getJobPayload();
  console.log("starting");
  for (let i = 0; i < items.length; i++) {
    job.reportProgress(Math.floor(((i + 1) / items.length) * 100), "Processed " + (i + 1) + "/" + items.length);
    await new Promise((r) => setTimeout(r, 400));
  }
  const mine = await fluxbase.jobs.list({ jobName: "sdk-report" });
  const stats = await fluxbaseService.admin.jobs.getStats();
  console.log("done for", job.getJobContext().user?.email);
  return { processed: items.length, visible: mine.count, statsError: stats.error?.code ?? null };
}`;

const slow = `export async function handler(req, fluxbase, fluxbaseService, job) {
  job.reportProgress(1, "started");
  await new Promise((resolve) => job.signal.addEventListener("abort", resolve));
  return { stopped: true };
}`;

beforeAll(async () => {
  server = await startTestServer({ workers: true, jobs: { maxConcurrentPerWorker: 4, cancelGrace: 700 } });
  alice = await server.user();
  const admin = createClient(server.url, { serviceKey: server.serviceKey });
  for (const [name, code] of [
    ["sdk-report", report],
    ["sdk-slow", slow],
  ]) {
    const { error } = await admin.admin.jobs.create({ name: name!, code: code! });
    expect(error).toBeNull();
  }
  client = createClient(server.url, server.anonKey);
  await client.auth.setSession({ access_token: alice.token });
}, 120_000);
afterAll(() => server.stop());

describe("jobs that run", () => {
  it("submits, follows progress to completion and reads the result and logs", async () => {
    const { data: job, error } = await client.jobs.submit("sdk-report", { items: [1, 2, 3] });
    expect(error).toBeNull();
    const progress: string[] = [];
    const done = await client.jobs.waitFor(job!.id, {
      timeoutMs: 60_000,
      pollIntervalMs: 100, // progress shows up even where the server has no realtime
      onProgress: (p) => progress.push(`${p.percent}:${p.message ?? ""}`),
    });
    expect(done.error).toBeNull();
    expect(done.data).toMatchObject({
      status: "completed",
      result: { processed: 3, visible: 1, statsError: null },
    });
    expect(progress.at(-1)).toMatch(/^100:/);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    const logs = await client.jobs.getLogs(job!.id);
    // The last line, not the first: today the worker numbers lines from 0 while the API's default
    // after_line=0 returns lines > 0, so a job's first line is not listed (reported to the server side).
    expect(logs.data?.map((line) => line.message)).toContainEqual(
      expect.stringContaining(`done for ${alice.email}`),
    );
  }, 90_000);

  it("cancels a running job; waitFor resolves with the cancelled job", async () => {
    const { data: job } = await client.jobs.submit("sdk-slow");
    const waiting = client.jobs.waitFor(job!.id, {
      timeoutMs: 60_000,
      onProgress: () => {
        void client.jobs.cancel(job!.id);
      },
    });
    const { data, error } = await waiting;
    expect(error).toBeNull();
    expect(data?.status).toBe("cancelled");
    expect(client.realtime.getChannels()).toEqual([]);
  }, 90_000);
});
