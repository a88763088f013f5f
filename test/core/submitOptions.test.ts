/** Per-job options at submit: validated, capped by the function's own limits, stored on the job. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../sdk/src/index.ts";
import { insertFunction, startTestServer, type TestServer, type TestUser } from "../support/server.ts";

let server: TestServer;
let alice: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  alice = await server.user();
  await insertFunction(server, { name: "capped", max_retries: 3, timeout_seconds: 30 });
});
afterAll(() => server.stop());

const submit = (body: Record<string, unknown>) =>
  server.request("POST", "/api/v1/jobs/submit", {
    token: alice.token,
    body: { job_name: "capped", ...body },
  });
const count = async () =>
  (await server.db.sql<{ n: number }[]>`select count(*)::int as n from jobs.queue`)[0]!.n;

describe("submit options", () => {
  it("stores max_retries, timeout, backoff, delay and priority on the job", async () => {
    const res = await submit({
      max_retries: 1,
      timeout: 10,
      backoff: { base_ms: 50, max_ms: 500 },
      delay: 60,
      priority: 7,
    });
    expect(res.status).toBe(201);
    const job = await res.json();
    expect(job).toMatchObject({ max_retries: 1, timeout_seconds: 10, priority: 7 });
    const [row] = await server.db.sql`
      select backoff_base_ms, backoff_max_ms, extract(epoch from scheduled_at - created_at)::int as delay
      from jobs.queue where id = ${job.id}`;
    expect(row).toEqual({ backoff_base_ms: 50, backoff_max_ms: 500, delay: 60 });
  });

  it("keeps the function's limits when no option is given", async () => {
    const job = await (await submit({})).json();
    expect(job).toMatchObject({ max_retries: 3, timeout_seconds: 30, scheduled_at: null });
  });

  it.each([
    [{ max_retries: 4 }, 400, "OPTION_ABOVE_LIMIT", /max_retries may be at most 3/],
    [{ timeout: 31 }, 400, "OPTION_ABOVE_LIMIT", /timeout may be at most 30 seconds/],
    [{ backoff: { base_ms: 500, max_ms: 50 } }, 400, "VALIDATION_ERROR", /max_ms must be at least base_ms/],
    [{ backoff: { base_ms: 5 } }, 400, "VALIDATION_ERROR", /backoff\.max_ms/],
    [{ delay: 5, scheduled_at: "2030-01-01T00:00:00Z" }, 400, "VALIDATION_ERROR", /not several/],
    [{ timeout: 0 }, 400, "VALIDATION_ERROR", /timeout/],
    [{ max_retries: -1 }, 400, "VALIDATION_ERROR", /max_retries/],
  ])("refuses %j with %i %s and writes nothing", async (options, status, code, message) => {
    const before = await count();
    const res = await submit(options);
    expect(res.status).toBe(status);
    const body = await res.json();
    expect(body.code).toBe(code);
    expect(body.error).toMatch(message);
    expect(await count()).toBe(before);
  });

  it("the SDK sends the same options", async () => {
    const client = createClient(server.url, alice.token);
    const { data, error } = await client.jobs.submit(
      "capped",
      {},
      {
        maxRetries: 0,
        timeout: 5,
        backoff: { baseMs: 100, maxMs: 200 },
      },
    );
    expect(error).toBeNull();
    expect(data).toMatchObject({ max_retries: 0, timeout_seconds: 5 });
    const { error: refused } = await client.jobs.submit("capped", {}, { maxRetries: 10 });
    expect(refused).toMatchObject({ status: 400, code: "OPTION_ABOVE_LIMIT" });
  });
});
