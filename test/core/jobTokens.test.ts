/** Tokens handed to a job run work while the run holds the job and are refused once it ends. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClaimedJob } from "../../server/queue/claimJobs.ts";
import { mintRunTokens } from "../../server/worker/jobTokens.ts";
import { insertFunction, startTestServer, type TestServer, testJwtSecret } from "../support/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await insertFunction(server, { name: "work" });
});
afterAll(() => server.stop());

/** A running job with a live lease: every process's reaper requeues a running job whose lease is gone. */
async function runningJob(owner: string | null) {
  const lease = randomUUID();
  const [row] = await server.db.sql<ClaimedJob[]>`
    insert into jobs.queue (job_name, status, lease_token, lease_expires_at, created_by, user_role, user_email, attempt)
    values ('work', 'running', ${lease}, now() + interval '1 hour', ${owner}, 'authenticated', 'owner@example.test', 1)
    returning id, namespace, function_id, job_name, payload, attempt, retry_count, max_retries, timeout_seconds,
      progress_timeout_seconds, lease_token, created_by, user_role, user_email`;
  return row!;
}

const list = (token: string) => server.request("GET", "/api/v1/jobs", { token });

describe("job run tokens", () => {
  it("act as the job's user and as the service role while the run lasts, then are refused", async () => {
    const owner = randomUUID();
    const job = await runningJob(owner);
    const tokens = await mintRunTokens(testJwtSecret, job);
    const asUser = await list(tokens.userToken!);
    expect(asUser.status).toBe(200);
    expect((await asUser.json()).jobs.map((j: { id: string }) => j.id)).toEqual([job.id]);
    expect((await list(tokens.serviceToken)).status).toBe(200);

    await server.db.sql`update jobs.queue set status = 'completed', lease_token = null where id = ${job.id}`;
    await new Promise((resolve) => setTimeout(resolve, 700));
    for (const token of [tokens.userToken!, tokens.serviceToken]) {
      const replay = await list(token);
      expect(replay.status).toBe(401);
      expect((await replay.json()).code).toBe("TOKEN_EXPIRED");
    }
  });

  it("a job with no owner gets an anon client token", async () => {
    const job = await runningJob(null);
    const tokens = await mintRunTokens(testJwtSecret, job);
    const res = await list(tokens.userToken!);
    expect(res.status).toBe(200);
    expect((await res.json()).total).toBe(0);
  });

  it("a token naming a job but with a forged lease is refused", async () => {
    const job = await runningJob(randomUUID());
    const tokens = await mintRunTokens(testJwtSecret, { ...job, lease_token: randomUUID() });
    expect((await list(tokens.serviceToken)).status).toBe(401);
  });
});
