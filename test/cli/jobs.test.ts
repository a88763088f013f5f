/** `fluxbase jobs ...` as a person types it, against a running server with a worker. */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { waitForJob } from "../support/server.ts";
import { submittedId, useCliServer } from "./cliServer.ts";

const cli = useCliServer();
const jobs = (...args: string[]) => cli.fluxbase(["jobs", ...args]);

describe("fluxbase jobs", { timeout: 60_000 }, () => {
  let doneId: string;

  it("submit --wait prints each progress report and the result", async () => {
    const run = await jobs("submit", "progress", "--payload", '{"steps":4}', "--wait");
    expect(run).toMatchObject({ code: 0, stderr: "" });
    doneId = submittedId(run);
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toBe(`Submitted job ${doneId} (progress, namespace default)`);
    // Reports can coalesce; each printed one is a real report, in order, and the last is 100%.
    const reports = lines.filter((line) => line.startsWith("["));
    expect(reports.length).toBeGreaterThan(0);
    for (const line of reports) expect(line).toMatch(/^\[ {0,2}(25|50|75|100)%\] Step [1-4]\/4$/);
    const percents = reports.map((line) => Number(/\d+/.exec(line)![0]));
    expect(percents).toEqual([...new Set(percents)].sort((a, b) => a - b));
    expect(reports.at(-1)).toBe("[100%] Step 4/4");
    expect(lines.at(-2)).toMatch(new RegExp(`^Job ${doneId} completed in \\d+(ms|\\.\\ds)$`));
    expect(lines.at(-1)).toBe('Result: {"steps":4}');
  });

  it("get, list and logs show the job; --json prints the server's fields", async () => {
    const [detail, json, list, listJson, logs] = await Promise.all([
      jobs("get", doneId),
      jobs("get", doneId, "--json"),
      jobs("list"),
      jobs("list", "--all-users", "--name", "progress", "--status", "completed", "--json"),
      jobs("logs", doneId),
    ]);
    expect(detail.code).toBe(0);
    expect(detail.stdout).toContain(`id:        ${doneId}\n`);
    expect(detail.stdout).toContain("function:  progress (namespace default)\n");
    expect(detail.stdout).toContain("status:    completed\n");
    expect(detail.stdout).toContain("progress:  100% Step 4/4\n");
    expect(detail.stdout).toContain('payload:   {"steps":4}\n');
    expect(detail.stdout).toContain('result:    {"steps":4}\n');
    expect(JSON.parse(json.stdout)).toMatchObject({ id: doneId, status: "completed", result: { steps: 4 } });

    const [header, row] = list.stdout.trim().split("\n");
    expect(header).toMatch(/^ID\s+NAME\s+NAMESPACE\s+STATUS\s+PROGRESS\s+ATTEMPT\s+CREATED\s+DURATION$/);
    expect(row!.split(/\s+/).slice(0, 6)).toEqual([
      doneId,
      "progress",
      "default",
      "completed",
      "100%",
      "1/1",
    ]);
    expect(row).toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+\d+(ms|\.\ds)$/);
    const page = JSON.parse(listJson.stdout);
    expect(page.total).toBe(1);
    expect(page.jobs.map((job: { id: string }) => job.id)).toEqual([doneId]);

    expect(logs.stdout.trim().split("\n")).toEqual(
      [1, 2, 3, 4].map((i) => expect.stringMatching(new RegExp(`^\\S+Z INFO  step ${i} of 4$`))),
    );
  });

  it("logs --follow prints new lines as they come until the job ends", async () => {
    const submitted = await jobs("submit", "progress", "--payload", '{"steps":5,"delayMs":400}');
    const id = submittedId(submitted);
    const follow = await jobs("logs", id, "--follow");
    expect(follow.code).toBe(0);
    expect(follow.stdout.match(/step \d of 5/g)).toEqual([1, 2, 3, 4, 5].map((i) => `step ${i} of 5`));
    expect(follow.stderr).toBe(`Job ${id} completed\n`);
  });

  it("submit --wait exits 1 when the job fails; retry re-queues it, resubmit makes a new one", async () => {
    const failed = await jobs("submit", "progress", "--payload", '{"fail":true,"steps":1}', "--wait");
    expect(failed.code).toBe(1);
    const id = submittedId(failed);
    expect(failed.stdout).toMatch(new RegExp(`\\nJob ${id} failed in \\S+: asked to fail\\n$`));

    const retried = await jobs("retry", id);
    expect(retried).toMatchObject({ code: 0, stdout: `Retried job ${id} (progress, now pending)\n` });
    await waitForJob(cli.server, id, (job) => job.status === "failed");
    const [resubmitted, again] = await Promise.all([jobs("resubmit", id, "--json"), jobs("retry", doneId)]);
    const copy = JSON.parse(resubmitted.stdout);
    expect(copy).toMatchObject({ job_name: "progress", payload: { fail: true, steps: 1 } });
    expect(copy.id).not.toBe(id);
    await waitForJob(cli.server, copy.id); // so the counts of the next tests hold still
    expect(again).toMatchObject({ code: 1, stdout: "" });
    expect(again.stderr).toMatch(/^fluxbase: .* \(JOB_NOT_RETRYABLE\)\n$/);
    // Both runs, the first and the one after the retry, are in the job's history.
    const detail = await jobs("get", id);
    expect(detail.stdout).toMatch(
      /\nattempts:\n#\s+OUTCOME\s+STARTED\s+TOOK\s+ERROR\n1\s+failed\s+.*asked to fail\n1\s+failed\s+.*asked to fail\n$/,
    );
  });

  it("cancel and terminate a pending job; a finished one cannot be cancelled", async () => {
    const [first, second] = await Promise.all([
      jobs("submit", "progress", "--delay", "3600", "--priority=-5", "--namespace", "default"),
      cli.fluxbase(["jobs", "submit", "progress", "--delay", "3600", "--payload-file", "-", "--json"], {
        stdin: '{"steps":2}\n',
      }),
    ]);
    expect(first.stdout).toMatch(/^Submitted job \S+ \(progress, namespace default, pending\)\n$/);
    const a = submittedId(first);
    const { id: b, payload } = JSON.parse(second.stdout);
    expect(payload).toEqual({ steps: 2 });
    const [cancelled, terminated, again] = await Promise.all([
      jobs("cancel", a),
      jobs("terminate", b, "--json"),
      jobs("cancel", doneId),
    ]);
    expect(cancelled).toMatchObject({ code: 0, stdout: `Cancelled job ${a} (progress, now cancelled)\n` });
    expect(JSON.parse(terminated.stdout)).toMatchObject({
      id: b,
      status: "cancelled",
      cancel_mode: "terminate",
    });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /^fluxbase: Only a pending or running job can be cancelled.* \(JOB_NOT_CANCELLABLE\)\n$/,
    );
    const [row] = await cli.server.db.sql`select priority from jobs.queue where id = ${a}`;
    expect(row!.priority).toBe(-5);
  });

  it("stats counts per status, overall and per function", async () => {
    const [text, json] = await Promise.all([
      jobs("stats"),
      jobs("stats", "--namespace", "default", "--json"),
    ]);
    expect(text.code).toBe(0);
    const stats = JSON.parse(json.stdout);
    expect(stats.by_function).toHaveLength(1);
    const counts = [
      stats.pending,
      stats.running,
      stats.completed,
      stats.failed,
      stats.cancelled,
      stats.total,
    ];
    const lines = text.stdout.trim().split("\n");
    expect(lines[0]).toMatch(
      /^NAMESPACE\s+FUNCTION\s+PENDING\s+RUNNING\s+COMPLETED\s+FAILED\s+CANCELLED\s+TOTAL$/,
    );
    expect(lines[1]!.split(/\s+/)).toEqual(["default", "progress", ...counts.map(String)]);
    expect(lines[2]!.split(/\s+/)).toEqual(["(all)", "(all)", ...counts.map(String)]);
    expect(lines[3]).toMatch(/^Mean run time of completed jobs: \d+(ms|\.\ds)$/);
  });

  it("--token acts as a user: their own jobs only, and no admin commands", async () => {
    const user = await cli.server.user();
    const as = ["--token", user.token];
    const submitted = await jobs("submit", "progress", "--delay", "3600", ...as);
    const mine = submittedId(submitted);
    const [list, others, all, terminate, stats] = await Promise.all([
      jobs("list", ...as, "--json"),
      jobs("get", doneId, ...as),
      jobs("list", "--all-users", ...as),
      jobs("terminate", mine, ...as),
      jobs("stats", ...as),
    ]);
    expect(JSON.parse(list.stdout).jobs.map((job: { id: string }) => job.id)).toEqual([mine]);
    expect(others).toMatchObject({ code: 1, stdout: "" });
    expect(others.stderr).toBe(`fluxbase: No job with id ${doneId} (JOB_NOT_FOUND)\n`);
    for (const run of [all, terminate, stats]) {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^fluxbase: .* \(ADMIN_REQUIRED\)\n$/);
    }
  });

  it("submit takes the per-job options: start time, retries, run timeout, backoff, idempotency key", async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const flags = ["--at", at, "--max-retries", "0", "--run-timeout", "5", "--backoff", "100,1000"];
    const first = await jobs("submit", "progress", ...flags, "--idempotency-key", "nightly-7", "--json");
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const job = JSON.parse(first.stdout);
    const again = await jobs("submit", "progress", ...flags, "--idempotency-key", "nightly-7", "--json");
    expect(JSON.parse(again.stdout).id).toBe(job.id);
    const [row] = await cli.server.db.sql`
      select scheduled_at, max_retries, timeout_seconds, backoff_base_ms, backoff_max_ms from jobs.queue
      where id = ${job.id}`;
    expect(row).toMatchObject({
      max_retries: 0,
      timeout_seconds: 5,
      backoff_base_ms: 100,
      backoff_max_ms: 1000,
    });
    expect((row!.scheduled_at as Date).toISOString()).toBe(at);
    await jobs("cancel", job.id);
    const [badAt, badBackoff, overCap] = await Promise.all([
      jobs("submit", "progress", "--at", "tomorrow-ish"),
      jobs("submit", "progress", "--backoff", "fast"),
      jobs("submit", "progress", "--max-retries", "3"),
    ]);
    expect(badAt.stderr).toBe(
      "fluxbase: --at expects a time such as 2026-12-24T08:00:00Z; got tomorrow-ish\n",
    );
    expect(badBackoff.stderr).toBe(
      "fluxbase: --backoff expects base_ms,max_ms such as 500,60000; got fast\n",
    );
    expect(overCap.stderr).toBe(
      'fluxbase: max_retries may be at most 0 for "progress"; got 3 (OPTION_ABOVE_LIMIT)\n',
    );
    for (const run of [badAt, badBackoff, overCap]) expect(run.code).toBe(1);
  });

  it("submit --dedupe-key answers the pending job, --replace gives it the new payload", async () => {
    const later = ["--delay", "3600", "--json"];
    const first = await jobs("submit", "progress", "--payload", '{"n":1}', "--dedupe-key", "d-1", ...later);
    expect(first.code).toBe(0);
    const job = JSON.parse(first.stdout);
    const kept = await jobs("submit", "progress", "--payload", '{"n":2}', "--dedupe-key", "d-1", ...later);
    expect(JSON.parse(kept.stdout)).toMatchObject({ id: job.id, payload: { n: 1 } });
    const replaced = await jobs(
      "submit",
      "progress",
      "--payload",
      '{"n":3}',
      "--dedupe-key",
      "d-1",
      "--replace",
      ...later,
    );
    expect(JSON.parse(replaced.stdout)).toMatchObject({ id: job.id, payload: { n: 3 } });
    const lonely = await jobs("submit", "progress", "--replace");
    expect(lonely.stderr).toBe("fluxbase: --replace goes with --dedupe-key\n");
    expect(lonely.code).toBe(1);
    await jobs("cancel", job.id);
  });

  it("reports bad input and server errors in one line, exit code 1", async () => {
    const [missing, badId, badJson, notObject, unknownFlag, noId, badLimit, unknownCommand, noFunction] =
      await Promise.all([
        jobs("get", randomUUID()),
        jobs("logs", "nope"),
        jobs("submit", "progress", "--payload", "{nope"),
        jobs("submit", "progress", "--payload", "[1,2]"),
        jobs("list", "--colour", "blue"),
        jobs("cancel"),
        jobs("list", "--limit", "ten"),
        jobs("frobnicate"),
        jobs("submit", "no-such-function"),
      ]);
    expect(missing.stderr).toMatch(/^fluxbase: No job with id \S+ \(JOB_NOT_FOUND\)\n$/);
    expect(badId.stderr).toMatch(/^fluxbase: Job ids are uuids; got "nope" \(INVALID_ID\)\n$/);
    expect(badJson.stderr).toMatch(/^fluxbase: --payload is not valid JSON: .*\n$/);
    expect(notObject.stderr).toMatch(/^fluxbase: .*payload.* \(VALIDATION_ERROR\)\n$/);
    expect(unknownFlag.stderr).toMatch(/^fluxbase: Unknown option '--colour'.*\n$/);
    expect(noId.stderr).toBe("fluxbase: expected `jobs cancel <id>`\n");
    expect(badLimit.stderr).toBe('fluxbase: --limit expects a whole number, got "ten"\n');
    expect(unknownCommand.stderr).toBe(
      'fluxbase: unknown command "jobs frobnicate"; see `fluxbase jobs --help`\n',
    );
    expect(noFunction.stderr).toMatch(/^fluxbase: .* \(FUNCTION_NOT_FOUND\)\n$/);
    for (const run of [
      missing,
      badId,
      badJson,
      notObject,
      unknownFlag,
      noId,
      badLimit,
      unknownCommand,
      noFunction,
    ]) {
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
    }
    const [help, submitHelp, bare] = await Promise.all([jobs("--help"), jobs("submit", "--help"), jobs()]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: fluxbase jobs <command> \[options\]\n/);
    expect(submitHelp.stdout).toContain("--payload-file <file>");
    expect(bare.code).toBe(1);
    expect(bare.stdout).toBe(help.stdout);
  });
});
