/** The examples shipped in ./jobs load from the folder and work as documented. */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestUser, waitForJob } from "../support/server.ts";

const jobsDir = fileURLToPath(new URL("../../jobs/", import.meta.url));
let server: TestServer;
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer({
    workers: true,
    jobs: { dir: jobsDir, watch: false, maxConcurrentPerWorker: 4 },
  });
  user = await server.user();
});
afterAll(() => server.stop());

const submit = async (jobName: string, payload: Record<string, unknown>) => {
  const res = await server.request("POST", "/api/v1/jobs/submit", {
    token: user.token,
    body: { job_name: jobName, payload },
  });
  expect(res.status).toBe(201);
  return (await res.json()).id as string;
};

describe("example jobs", () => {
  it("loads every example with its annotations", async () => {
    const functions = await server.db.sql`select name, timeout_seconds, max_retries, description, bundle_error
      from jobs.functions order by name`;
    expect(functions.map((f) => f.name)).toEqual(["import-records", "process-batch", "process-data"]);
    expect(functions.every((f) => f.bundle_error === null)).toBe(true);
    expect(functions.find((f) => f.name === "import-records")).toMatchObject({
      timeout_seconds: 1800,
      max_retries: 1,
    });
  });

  it("process-data reports progress to 100% and returns the count", async () => {
    const job = await waitForJob(
      server,
      await submit("process-data", { items: [1, 2, 3, 4, 5], delay_ms: 10 }),
    );
    expect(job).toMatchObject({ status: "completed", result: { success: true, processed: 5 } });
    expect(job.progress).toMatchObject({
      percent: 100,
      message: "Processed 5/5",
      data: { processed: 5, total: 5 },
    });
  });

  it("import-records stops cleanly when cancelled", async () => {
    const id = await submit("import-records", { count: 5000, batch_size: 100, batch_ms: 50 });
    await waitForJob(server, id, (job) => job.progress?.percent >= 4);
    const res = await server.request("POST", `/api/v1/jobs/${id}/cancel`, { token: user.token });
    expect(res.status).toBe(200);
    const job = await waitForJob(server, id);
    expect(job.status).toBe("cancelled");
    // The job notices between batches and says how far it got.
    const deadline = Date.now() + 5000;
    let logs: { message: string }[] = [];
    while (Date.now() < deadline && !logs.some((l) => /^Cancelled after \d+ records$/.test(l.message))) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      logs = await server.db.sql<{ message: string }[]>`select message from jobs.logs where job_id = ${id}`;
    }
    expect(logs.map((l) => l.message)).toContainEqual(expect.stringMatching(/^Cancelled after \d+ records$/));
    expect((await waitForJob(server, id)).result).toBeNull();
  });

  it("process-batch chains follow-up jobs as the same user", async () => {
    const first = await waitForJob(server, await submit("process-batch", { total_batches: 3 }));
    expect(first.result).toMatchObject({ batch: 0, remaining: 2 });
    const second = await waitForJob(server, first.result.next_job_id);
    const third = await waitForJob(server, second.result.next_job_id);
    expect(third).toMatchObject({
      status: "completed",
      created_by: user.id,
      result: { batch: 2, remaining: 0, next_job_id: null },
    });
  });
});
