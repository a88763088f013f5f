import { describe, expect, it } from "vitest";
import { expectRuns, run, useDocsServer } from "./support.ts";

const docs = useDocsServer();

describe("SDK examples", () => {
  it("rest-notes reads and writes the user's own rows, and a DELETE needs a filter", async () => {
    const fresh = await docs.server.user();
    const out = await expectRuns(docs, "rest-notes", { FLUXBASE_KEY: fresh.token });
    expect(out.trim().split("\n")).toEqual([
      "added 2 notes",
      "2 notes visible to me: first, second",
      "after update: first, edited",
      "unfiltered delete: 21000",
      "deleted 2 notes",
    ]);
  }, 90_000);

  it("storage-files: the service creates a bucket; a user uploads, lists, downloads, signs and removes", async () => {
    const out = await expectRuns(docs, "storage-files");
    expect(out.trim().split("\n")).toEqual([
      "bucket: user-uploads",
      "uploaded: user-uploads/reports/march.json",
      "again without upsert: The resource already exists; upload with upsert to replace it",
      "in reports/: march.json (10 bytes)",
      'downloaded: {"rows":3}',
      "signed URL: 200",
      "refused type: Bucket user-uploads does not accept application/x-sh",
      "removed: 1",
    ]);
  }, 90_000);

  it("create-client: the anon key sees no jobs and cannot submit; a session acts as the user", async () => {
    const out = await expectRuns(docs, "create-client");
    expect(out.trim().split("\n")).toEqual([
      "the anon key sees 0 jobs",
      "the anon key submitting: PERMISSION_DENIED",
      "as the user: pending",
      "back to the anon key: JOB_NOT_FOUND",
      "the service key reads the stats: true",
    ]);
  }, 90_000);

  it("first-job submits hello and prints the result", async () => {
    const out = await expectRuns(docs, "first-job");
    expect(out.trim()).toBe(`completed { greeting: 'Hello, Ada!', submitted_by: '${docs.ada.email}' }`);
  }, 90_000);

  it("submit-and-wait follows progress to the result", async () => {
    const out = await expectRuns(docs, "submit-and-wait");
    expect(out).toMatch(/^Submitted [0-9a-f-]{36} \(pending\)$/m);
    expect(out).toContain("100% Processed 3/3");
    expect(out).toContain("Finished: completed");
    expect(out).toContain('Result: {"items":["A","B","C"],"processed":3}');
  }, 90_000);

  it("handle-errors prints the codes the comments promise", async () => {
    const out = await expectRuns(docs, "handle-errors");
    expect(out.trim().split("\n")).toEqual([
      "FUNCTION_NOT_FOUND 404",
      "admin-report needs one of: [ 'admin' ]",
      "VALIDATION_ERROR Invalid body: priority: Too big: expected number to be <=1000",
      "JOB_NOT_FOUND",
      "NETWORK_ERROR 0",
    ]);
  }, 90_000);

  it("overlap refuses a second sync of one account and deduplicates pending submits", async () => {
    const out = await expectRuns(docs, "overlap");
    expect(out.trim().split("\n")).toEqual([
      "JOB_ALREADY_ACTIVE 409",
      "points at the first: true",
      "another account: pending",
      "same job: true { name: 'A' }",
      "replaced: true { name: 'C' }",
    ]);
  }, 90_000);

  it("submit-options shows priority, delay, idempotency and cancelling a delayed job", async () => {
    const out = await expectRuns(docs, "submit-options");
    expect(out.trim().split("\n")).toEqual([
      "priority: 100",
      "delayed: pending true",
      "same job: true",
      "cancelled: cancelled",
    ]);
  }, 90_000);

  it("list-jobs lists the user's completed hello jobs with results", async () => {
    await run(docs, "hello", { name: "list" });
    const out = await expectRuns(docs, "list-jobs");
    expect(out).toMatch(/^\d+ completed hello jobs, showing \d+$/m);
    expect(out).toContain('{"greeting":"Hello, list!"');
  }, 90_000);

  it("cancel-job cancels a running job, which stops between items", async () => {
    const out = await expectRuns(docs, "cancel-job");
    expect(out).toMatch(/^Cancel requested at \d+%: cancelled$/m);
    expect(out).toContain("Final status: cancelled");
    expect(out).toContain("JOB_NOT_CANCELLABLE");
    expect(out).toMatch(/^\[warn\] Cancelled after \d+ of 100 items$/m);
    expect(out).toContain("[warn] Job cancelled");
  }, 90_000);

  it("realtime-progress sees the job's updates through to completed", async () => {
    const out = await expectRuns(docs, "realtime-progress");
    // The last progress and the completion can land in one update.
    expect(out).toMatch(/^(running|completed) 100% Processed 3\/3$/m);
    expect(out).toContain("Job ended: completed");
  }, 90_000);

  it("follow-logs tails the log lines live and reads them back", async () => {
    const out = await expectRuns(docs, "follow-logs");
    expect(out).toMatch(/^live: \[info\] Attempt 1 of 4 failed; retrying in \d+ ms$/m);
    expect(out).toContain("completed after 2 attempts");
    expect(out).toMatch(/^\d+: Attempt 1 of 4 failed; retrying in \d+ ms$/m);
  }, 90_000);

  it("fix-and-retry fails for a missing secret, stores it, retries the same job and masks it in the logs", async () => {
    const out = await expectRuns(docs, "fix-and-retry");
    expect(out.trim().split("\n")).toEqual([
      'failed: Secret "greeting_api_key" is required but is not set',
      "secret stored: 201",
      "retry: pending, same job: true",
      'completed: {"from":"user","key_length":14}',
      "Calling the API with ***",
    ]);
  }, 90_000);

  it("schedules creates, refuses a bad cron, triggers, pauses, lists and deletes", async () => {
    const out = (await expectRuns(docs, "schedules")).trim().split("\n");
    expect(out[0]).toMatch(/^morning-hello: next run at \d{4}-\d\d-\d\dT0[67]:00:00\.000Z$/);
    expect(out.slice(1, 4)).toEqual([
      "INVALID_CRON true",
      "started hello with team",
      "paused: next run null",
    ]);
    expect(out).toContain("morning-hello (api): 0 8 * * MON-FRI Europe/Paris");
    expect(out).toContain("nightly-summary (annotation): 0 2 * * * UTC");
  }, 90_000);

  it("admin-overview reads stats, workers, functions and failed jobs with the service key", async () => {
    const out = await expectRuns(docs, "admin-overview");
    expect(out).toMatch(/^jobs: \d+ total, \d+ pending, \d+ running$/m);
    expect(out).toMatch(/^worker worker-[0-9a-f]{8}@\S+: active, \d+\/5 jobs$/m);
    expect(out).toContain("function process-items: timeout 600s, retries 2");
    expect(out).toMatch(/^\d+ failed jobs across all users$/m);
  }, 90_000);

  it("upload-function creates, runs on behalf of a user, and deletes a function", async () => {
    const out = await expectRuns(docs, "upload-function");
    expect(out.trim().split("\n")).toEqual([
      "created shout: timeout 20s, retries 0, origin api",
      'completed {"user":"3f0c2a9e-5b1d-4c7e-9a8f-2d6b4e1c0a7f","word":"HELLO"}',
      "deleted shout",
    ]);
  }, 90_000);
});
