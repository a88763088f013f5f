/**
 * A cancelled run is no longer renewed by the heartbeat; the heartbeat must still stop it as
 * cancelled (its grace period, "Job cancelled"), not as a run that lost its lease.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  insertFunction,
  jobLogLines,
  startTestServer,
  type TestServer,
  type TestUser,
  waitForJob,
} from "../support/server.ts";

let server: TestServer;
let alice: TestUser;

beforeAll(async () => {
  // Heartbeats far more often than the grace period: several land while the run winds down.
  server = await startTestServer({
    workers: true,
    jobs: { workerHeartbeatInterval: 100, cancelGrace: 1500 },
  });
  alice = await server.user();
  await insertFunction(server, {
    name: "stubborn",
    code: `export async function handler(req, fb, svc, job) {
      job.reportProgress(1, "spinning");
      const until = Date.now() + 20_000;
      while (Date.now() < until) {}
      return "should never complete";
    }`,
  });
});

afterAll(async () => {
  await server?.stop();
});

it("a heartbeat during the cancel grace period leaves the run cancelled, not lost", async () => {
  const submitted = await server.request("POST", "/api/v1/jobs/submit", {
    token: alice.token,
    body: { job_name: "stubborn" },
  });
  expect(submitted.status).toBe(201);
  const id = (await submitted.json()).id as string;
  await waitForJob(server, id, (job) => job.status === "running" && job.progress !== null);
  const res = await server.request("POST", `/api/v1/jobs/${id}/cancel`, { token: alice.token });
  expect(res.status).toBe(200);
  let messages: string[] = [];
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    messages = (await jobLogLines(server, id)).map((l) => l.message);
    if (messages.includes("Job cancelled") || messages.includes("Lease lost")) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(messages).toContain("Job cancelled");
  expect(messages).not.toContain("Lease lost");
  expect((await waitForJob(server, id)).status).toBe("cancelled");
});
