/** The job functions in docs/examples/jobs load as a jobs folder and behave as the pages say. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { resolveDenoPath } from "../../sandbox/index.ts";
import { createClient } from "../../sdk/src/index.ts";
import { jobLogLines, waitForJob } from "../support/server.ts";
import { filesUnder, jobsDir, root, run, useDocsServer } from "./support.ts";

const docs = useDocsServer();

describe("job function examples", () => {
  it("type-check with deno check (the SDK's types, the folder's import map)", () => {
    // A throwaway config: the repository's SDK for types, and the @shared/ entry of the folder's deno.json.
    const dir = mkdtempSync(path.join(tmpdir(), "fluxbase-docs-check-"));
    try {
      const imports = JSON.parse(readFileSync(path.join(jobsDir, "deno.json"), "utf8")).imports;
      for (const [key, target] of Object.entries<string>(imports))
        imports[key] = `${path.join(jobsDir, target)}/`;
      imports["@fluxbase/sdk"] = path.join(root, "sdk/src/index.ts");
      imports["@fluxbase/sdk/job"] = path.join(root, "sdk/src/job.ts");
      writeFileSync(
        path.join(dir, "deno.json"),
        JSON.stringify({ compilerOptions: { strict: true, lib: ["deno.window"] }, imports }),
      );
      writeFileSync(path.join(dir, "package.json"), '{"type":"module"}');
      symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
      const files = filesUnder(jobsDir).filter((file) => file.endsWith(".ts"));
      const result = spawnSync(
        resolveDenoPath(),
        ["check", "--config", path.join(dir, "deno.json"), ...files],
        {
          cwd: root,
          encoding: "utf8",
          env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
          timeout: 120_000,
        },
      );
      expect(result.stderr + result.stdout).not.toMatch(/error/i);
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 130_000);

  it("load from docs/examples/jobs with their annotations", async () => {
    const rows = await docs.server.db.sql<Record<string, any>[]>`
      select name, source_path, bundle_error, timeout_seconds, max_retries, progress_timeout_seconds, schedule,
        require_roles, permissions
      from jobs.functions order by name`;
    expect(rows.map((row) => row.name)).toEqual([
      "admin-report",
      "billing-summary",
      "countdown",
      "default-export",
      "export-file",
      "flaky",
      "hello",
      "import-notes",
      "nightly-summary",
      "process-items",
      "queue-watch",
      "report",
      "sandbox-tour",
      "save-note",
      "sum",
      "sync-account",
      "use-secret",
      "weekly-insights",
      "with-deadline",
    ]);
    expect(rows.filter((row) => row.bundle_error !== null)).toEqual([]);
    const byName = new Map(rows.map((row) => [row.name, row]));
    expect(byName.get("process-items")).toMatchObject({
      timeout_seconds: 600,
      progress_timeout_seconds: 60,
      max_retries: 2,
    });
    expect(byName.get("hello")).toMatchObject({ timeout_seconds: 30, max_retries: 3 });
    expect(byName.get("sum")).toMatchObject({ timeout_seconds: 300, progress_timeout_seconds: 300 });
    expect(byName.get("report")).toMatchObject({ source_path: "report/index.ts" });
    expect(byName.get("admin-report")).toMatchObject({ require_roles: ["admin"] });
    expect(byName.get("nightly-summary")).toMatchObject({ schedule: "0 2 * * *" });
    expect(byName.get("queue-watch")).toMatchObject({ schedule: "*/5 * * * *" });
    expect(byName.get("sandbox-tour")!.permissions).toEqual({
      net: false,
      env: ["APP_REGION", "APP_SECRET_TOKEN"],
      read: ["./docs/examples/jobs/_shared"],
      write: [],
    });
  });

  it("hello returns its greeting and logs one line", async () => {
    const job = await run(docs, "hello", { name: "Ada" });
    expect(job).toMatchObject({
      status: "completed",
      result: { greeting: "Hello, Ada!", submitted_by: docs.ada.email },
      progress: { percent: 100, message: "Done" },
    });
    expect(await jobLogLines(docs.server, job.id)).toEqual([
      { level: "info", message: "Saying hello to Ada" },
    ]);
  });

  it("report/index.ts bundles _shared code through deno.json and a relative import", async () => {
    const job = await run(docs, "report", { values: [1, 2, 3, 4] });
    expect(job.result).toEqual({ count: 4, total: 10, mean: 2.5, mean_text: "2.50" });
  });

  it("default-export gets a POST of the payload; main(payload) gets the payload", async () => {
    expect((await run(docs, "default-export", { a: 1 })).result).toEqual({
      method: "POST",
      path: "/jobs/default-export",
      body_is_payload: true,
    });
    expect((await run(docs, "sum", { numbers: [1, 2, 3.5] })).result).toBe(6.5);
  });

  it("flaky fails twice, is retried with backoff, and succeeds on the third attempt", async () => {
    const job = await run(docs, "flaky", { fail_times: 2 });
    expect(job).toMatchObject({ status: "completed", attempt: 3, result: { succeeded_on_attempt: 3 } });
    const messages = (await jobLogLines(docs.server, job.id)).map((line) => line.message);
    expect(messages).toContainEqual(expect.stringMatching(/^Attempt 1 of 4 failed; retrying in \d+ ms$/));
    expect(messages).toContainEqual(expect.stringMatching(/^Attempt 2 of 4 failed; retrying in \d+ ms$/));
  }, 30_000);

  it("with-deadline returns when job.signal aborts, and is killed at the timeout when it ignores it", async () => {
    const polite = await run(docs, "with-deadline");
    expect(polite).toMatchObject({ status: "completed", result: { outcome: "TimeoutError" } });
    expect(polite.result.after_ms).toBeLessThan(3000);
    const stubborn = await run(docs, "with-deadline", { ignore_signal: true });
    expect(stubborn).toMatchObject({
      status: "failed",
      result: null,
      error_message: "Job exceeded its timeout of 3 seconds",
    });
  }, 30_000);

  it("admin-report refuses users and runs for admins", async () => {
    const res = await docs.server.request("POST", "/api/v1/jobs/submit", {
      token: docs.ada.token,
      body: { job_name: "admin-report" },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: "ROLE_REQUIRED", required_roles: ["admin"] });
    const admin = await docs.server.user("admin");
    const job = await run(docs, "admin-report", {}, admin.token);
    expect(job.status).toBe("completed");
    expect(job.result.total).toBeGreaterThan(0);
  });

  it("countdown chains follow-up jobs as the same user", async () => {
    const first = await run(docs, "countdown", { n: 2 });
    const second = await waitForJob(docs.server, first.result.next_job_id);
    const third = await waitForJob(docs.server, second.result.next_job_id);
    expect([first.result.n, second.result.n, third.result]).toEqual([2, 1, { n: 0, next_job_id: null }]);
    expect([second.created_by, third.created_by]).toEqual([docs.ada.id, docs.ada.id]);
  });

  it("sandbox-tour sees what the pages say it sees", async () => {
    const job = await run(docs, "sandbox-tour");
    expect(job.result).toEqual({
      env: {
        FLUXBASE_JOB_NAME: "sandbox-tour",
        FLUXBASE_GREETING: "hi",
        FLUXBASE_SMTP_PASSWORD: "denied (NotCapable)",
        APP_REGION: "eu-west-1",
        APP_SECRET_TOKEN: "denied (NotCapable)",
        HOME: "denied (NotCapable)",
      },
      read: { shared: true, package_json: "denied (NotCapable)" },
      net: { server: 200, elsewhere: "denied (NotCapable)" },
    });
  });

  it("save-note writes as the user and counts as the service role", async () => {
    const first = await run(docs, "save-note", { body: "from a job" });
    expect(first).toMatchObject({ status: "completed", result: { saved: { body: "from a job" }, mine: 1 } });
    const other = await docs.server.user();
    const second = await run(docs, "save-note", { body: "another user" }, other.token);
    expect(second.result).toMatchObject({ mine: 1, everyone: 2 });
    const rows = await docs.server.db.sql`select user_id, body from app.notes order by id`;
    expect(rows).toEqual([
      { user_id: docs.ada.id, body: "from a job" },
      { user_id: other.id, body: "another user" },
    ]);
  });

  it("export-file downloads the user's file, and uploads the summary as theirs", async () => {
    const service = createClient(docs.server.url, docs.server.serviceKey);
    for (const bucket of ["temp-files", "exports"]) await service.storage.createBucket(bucket);
    const user = await docs.server.user();
    const asUser = createClient(docs.server.url, docs.server.anonKey);
    asUser.auth.setAccessToken(user.token);
    await asUser.storage.from("temp-files").upload("notes.txt", "one two\nthree four five\n");
    const job = await run(docs, "export-file", { source_file: "notes.txt" }, user.token);
    expect(job).toMatchObject({
      status: "completed",
      result: { success: true, output_file: `results/${job.id}.json`, lines: 2, words: 5 },
    });
    const { data } = await asUser.storage.from("exports").download(`results/${job.id}.json`);
    expect(JSON.parse(await data!.text())).toEqual({ lines: 2, words: 5, longest: "three four five" });
    // Another user's job can't read this user's file: the download fails and says so.
    const other = await run(
      docs,
      "export-file",
      { source_file: "notes.txt" },
      (await docs.server.user()).token,
    );
    expect(other.status).toBe("failed");
    expect(other.error_message).toMatch(/Failed to download notes.txt: Object not found/);
  });

  it("import-notes saves notes as the user with progress, and counts everyone's as the service role", async () => {
    const user = await docs.server.user();
    const job = await run(docs, "import-notes", { items: ["one", "two"] }, user.token);
    expect(job).toMatchObject({
      status: "completed",
      progress: { percent: 100, message: "Imported 2/2" },
      result: { imported: 2, user: user.email },
    });
    expect(job.result.notes_of_everyone).toBeGreaterThanOrEqual(2);
    const rows = await docs.server.db.sql`select body from app.notes where user_id = ${user.id} order by id`;
    expect(rows).toEqual([{ body: "one" }, { body: "two" }]);
  });

  it("nightly-summary, run by hand with the service key, has no user and no scheduled_for", async () => {
    const job = await run(docs, "nightly-summary", {}, docs.server.serviceKey);
    expect(job).toMatchObject({ status: "completed", created_by: null, result: { scheduled_for: null } });
  });
});
