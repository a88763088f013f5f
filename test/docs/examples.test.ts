/**
 * The documentation's examples are real and they run:
 * 1. every fenced block in docs/*.md that names a file (`// docs/examples/...` on its first line) quotes
 *    that file byte for byte, every file under docs/examples is quoted somewhere, and no page carries
 *    a handler or client example that is not such a file;
 * 2. the job functions in docs/examples/jobs load as a jobs folder and behave as the pages say;
 * 3. each SDK example runs with `node --import tsx` against a real server and prints what the pages show;
 * 4. every curl command in the pages hits a route that exists, with a body the route accepts.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveDenoBinary } from "../../server/functions/cacheRemoteImports.ts";
import {
  jobLogLines,
  startTestServer,
  type TestServer,
  type TestUser,
  waitForJob,
} from "../support/server.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const docsDir = path.join(root, "docs");
const examplesDir = path.join(docsDir, "examples");
const jobsDir = path.join(examplesDir, "jobs");

interface Block {
  page: string;
  line: number;
  lang: string;
  body: string;
}

/** Fenced blocks of a markdown page (indented fences too, with their indentation removed). */
function fencedBlocks(page: string): Block[] {
  const lines = readFileSync(path.join(docsDir, page), "utf8").split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang] = open as unknown as [string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && lines[j]!.trim() !== fence; j++) body.push(lines[j]!.slice(indent.length));
    blocks.push({ page, line: i + 1, lang, body: body.join("\n") });
    i = j;
  }
  return blocks;
}

const pages = readdirSync(docsDir).filter((name) => name.endsWith(".md") && name !== "CONTRIBUTING.md");
const blocks = pages.flatMap(fencedBlocks);
const quoteOf = (block: Block) =>
  /^(?:\/\/|#|--)\s*(docs\/examples\/\S+)\s*$/.exec(block.body.split("\n")[0]!)?.[1];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

describe("quoted examples", () => {
  it("has the pages the README lists", () => {
    for (const page of [
      "getting-started.md",
      "job-functions.md",
      "http-api.md",
      "realtime.md",
      "configuration.md",
      "cli.md",
      "security.md",
      "operations.md",
    ]) {
      expect(pages).toContain(page);
    }
  });

  it("quotes every named file byte for byte", () => {
    const quoted = blocks.filter((block) => quoteOf(block));
    expect(quoted.length).toBeGreaterThan(10);
    for (const block of quoted) {
      const file = path.join(root, quoteOf(block)!);
      const where = `${block.page}:${block.line} quotes ${quoteOf(block)}`;
      expect(() => statSync(file), where).not.toThrow();
      const quotedText = block.body.split("\n").slice(1).join("\n").trim();
      expect(quotedText, where).toBe(readFileSync(file, "utf8").trim());
    }
  });

  it("quotes every file under docs/examples at least once", () => {
    const named = new Set(blocks.map(quoteOf).filter(Boolean));
    // docs/examples/browser holds pages the server serves, with their own test (test/browser).
    const files = filesUnder(examplesDir).filter((file) => !file.includes(`${path.sep}browser${path.sep}`));
    for (const file of files) {
      expect(named, `${path.relative(root, file)} is not quoted by any page`).toContain(
        path.relative(root, file).split(path.sep).join("/"),
      );
    }
  });

  it("keeps handler and client examples in files, not only in the pages", () => {
    for (const block of blocks) {
      if (!["ts", "typescript", "js"].includes(block.lang) || quoteOf(block)) continue;
      const runnable = /createClient\(|export (async )?function (handler|main)|export default/.test(
        block.body,
      );
      expect(runnable, `${block.page}:${block.line} should be a file in docs/examples`).toBe(false);
    }
  });
});

// Variables the sandbox-tour example reads: what the server's environment holds.
process.env.FLUXBASE_GREETING = "hi";
process.env.FLUXBASE_SMTP_PASSWORD = "hunter22";
process.env.APP_REGION = "eu-west-1";
process.env.APP_SECRET_TOKEN = "tok_123456";

let server: TestServer;
let ada: TestUser;

beforeAll(async () => {
  server = await startTestServer({ workers: true, jobs: { dir: jobsDir, watch: false } });
  // The table the REST examples use, created the way the pages say: by running the SQL file.
  await server.db.sql.unsafe(readFileSync(path.join(examplesDir, "app-notes.sql"), "utf8"));
  ada = await server.user();
}, 120_000);
afterAll(() => server?.stop());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `docs/examples/<name>.ts` as a reader would, with the server's URL and a key in the environment. */
function runExample(name: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(examplesDir, `${name}.ts`)], {
      cwd: root,
      env: {
        ...process.env,
        FLUXBASE_URL: server.url,
        FLUXBASE_KEY: ada.token,
        FLUXBASE_SERVICE_KEY: server.serviceKey,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name}.ts did not exit within 80 s\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, 80_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function expectRuns(name: string, env?: Record<string, string>): Promise<string> {
  const run = await runExample(name, env);
  expect(run.code, `${name}.ts exited with ${run.code}\n${run.stdout}\n${run.stderr}`).toBe(0);
  return run.stdout;
}

async function submit(token: string, body: Record<string, unknown>): Promise<string> {
  const res = await server.request("POST", "/api/v1/jobs/submit", { token, body });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()).id;
}

const run = async (jobName: string, payload: Record<string, unknown> = {}, token = ada.token) =>
  waitForJob(server, await submit(token, { job_name: jobName, payload }), undefined, 30_000);

describe("job function examples", () => {
  it("type-check with deno check (the SDK's types, the folder's import map)", () => {
    // A throwaway config: the repository's SDK for types, and the @shared/ entry of the folder's deno.json.
    const dir = mkdtempSync(path.join(tmpdir(), "fluxbase-docs-check-"));
    try {
      const imports = JSON.parse(readFileSync(path.join(jobsDir, "deno.json"), "utf8")).imports;
      for (const [key, target] of Object.entries<string>(imports))
        imports[key] = `${path.join(jobsDir, target)}/`;
      imports["@fluxbase/sdk"] = path.join(root, "sdk/src/index.ts");
      writeFileSync(
        path.join(dir, "deno.json"),
        JSON.stringify({ compilerOptions: { strict: true, lib: ["deno.window"] }, imports }),
      );
      writeFileSync(path.join(dir, "package.json"), '{"type":"module"}');
      symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
      const files = filesUnder(jobsDir).filter((file) => file.endsWith(".ts"));
      const result = spawnSync(
        resolveDenoBinary(),
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
    const rows = await server.db.sql<Record<string, any>[]>`
      select name, source_path, bundle_error, timeout_seconds, max_retries, progress_timeout_seconds, schedule,
        require_roles, permissions
      from jobs.functions order by name`;
    expect(rows.map((row) => row.name)).toEqual([
      "admin-report",
      "countdown",
      "default-export",
      "flaky",
      "hello",
      "nightly-summary",
      "process-items",
      "report",
      "sandbox-tour",
      "save-note",
      "sum",
      "use-secret",
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
    expect(byName.get("sandbox-tour")!.permissions).toEqual({
      net: false,
      env: ["APP_REGION", "APP_SECRET_TOKEN"],
      read: ["./docs/examples/jobs/_shared"],
      write: [],
    });
  });

  it("hello returns its greeting and logs one line", async () => {
    const job = await run("hello", { name: "Ada" });
    expect(job).toMatchObject({
      status: "completed",
      result: { greeting: "Hello, Ada!", submitted_by: ada.email },
      progress: { percent: 100, message: "Done" },
    });
    expect(await jobLogLines(server, job.id)).toEqual([{ level: "info", message: "Saying hello to Ada" }]);
  });

  it("report/index.ts bundles _shared code through deno.json and a relative import", async () => {
    const job = await run("report", { values: [1, 2, 3, 4] });
    expect(job.result).toEqual({ count: 4, total: 10, mean: 2.5, mean_text: "2.50" });
  });

  it("default-export gets a POST of the payload; main(payload) gets the payload", async () => {
    expect((await run("default-export", { a: 1 })).result).toEqual({
      method: "POST",
      path: "/jobs/default-export",
      body_is_payload: true,
    });
    expect((await run("sum", { numbers: [1, 2, 3.5] })).result).toBe(6.5);
  });

  it("flaky fails twice, is retried with backoff, and succeeds on the third attempt", async () => {
    const job = await run("flaky", { fail_times: 2 });
    expect(job).toMatchObject({ status: "completed", attempt: 3, result: { succeeded_on_attempt: 3 } });
    const messages = (await jobLogLines(server, job.id)).map((line) => line.message);
    expect(messages).toContainEqual(expect.stringMatching(/^Attempt 1 of 4 failed; retrying in \d+ ms$/));
    expect(messages).toContainEqual(expect.stringMatching(/^Attempt 2 of 4 failed; retrying in \d+ ms$/));
  }, 30_000);

  it("with-deadline returns when job.signal aborts, and is killed at the timeout when it ignores it", async () => {
    const polite = await run("with-deadline");
    expect(polite).toMatchObject({ status: "completed", result: { outcome: "TimeoutError" } });
    expect(polite.result.after_ms).toBeLessThan(3000);
    const stubborn = await run("with-deadline", { ignore_signal: true });
    expect(stubborn).toMatchObject({
      status: "failed",
      result: null,
      error_message: "Job exceeded its timeout of 3 seconds",
    });
  }, 30_000);

  it("admin-report refuses users and runs for admins", async () => {
    const res = await server.request("POST", "/api/v1/jobs/submit", {
      token: ada.token,
      body: { job_name: "admin-report" },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: "ROLE_REQUIRED", required_roles: ["admin"] });
    const admin = await server.user("admin");
    const job = await run("admin-report", {}, admin.token);
    expect(job.status).toBe("completed");
    expect(job.result.total).toBeGreaterThan(0);
  });

  it("countdown chains follow-up jobs as the same user", async () => {
    const first = await run("countdown", { n: 2 });
    const second = await waitForJob(server, first.result.next_job_id);
    const third = await waitForJob(server, second.result.next_job_id);
    expect([first.result.n, second.result.n, third.result]).toEqual([2, 1, { n: 0, next_job_id: null }]);
    expect([second.created_by, third.created_by]).toEqual([ada.id, ada.id]);
  });

  it("sandbox-tour sees what the pages say it sees", async () => {
    const job = await run("sandbox-tour");
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
    const first = await run("save-note", { body: "from a job" });
    expect(first).toMatchObject({ status: "completed", result: { saved: { body: "from a job" }, mine: 1 } });
    const other = await server.user();
    const second = await run("save-note", { body: "another user" }, other.token);
    expect(second.result).toMatchObject({ mine: 1, everyone: 2 });
    const rows = await server.db.sql`select user_id, body from app.notes order by id`;
    expect(rows).toEqual([
      { user_id: ada.id, body: "from a job" },
      { user_id: other.id, body: "another user" },
    ]);
  });

  it("nightly-summary, run by hand with the service key, has no user and no scheduled_for", async () => {
    const job = await run("nightly-summary", {}, server.serviceKey);
    expect(job).toMatchObject({ status: "completed", created_by: null, result: { scheduled_for: null } });
  });
});

describe("SDK examples", () => {
  it("rest-notes reads and writes the user's own rows, and a DELETE needs a filter", async () => {
    const fresh = await server.user();
    const out = await expectRuns("rest-notes", { FLUXBASE_KEY: fresh.token });
    expect(out.trim().split("\n")).toEqual([
      "added 2 notes",
      "2 notes visible to me: first, second",
      "after update: first, edited",
      "unfiltered delete: 21000",
      "deleted 2 notes",
    ]);
  }, 90_000);

  it("first-job submits hello and prints the result", async () => {
    const out = await expectRuns("first-job");
    expect(out.trim()).toBe(`completed { greeting: 'Hello, Ada!', submitted_by: '${ada.email}' }`);
  }, 90_000);

  it("submit-and-wait follows progress to the result", async () => {
    const out = await expectRuns("submit-and-wait");
    expect(out).toMatch(/^Submitted [0-9a-f-]{36} \(pending\)$/m);
    expect(out).toContain("100% Processed 3/3");
    expect(out).toContain("Finished: completed");
    expect(out).toContain('Result: {"items":["A","B","C"],"processed":3}');
  }, 90_000);

  it("handle-errors prints the codes the comments promise", async () => {
    const out = await expectRuns("handle-errors");
    expect(out.trim().split("\n")).toEqual([
      "FUNCTION_NOT_FOUND 404",
      "admin-report needs one of: [ 'admin' ]",
      "VALIDATION_ERROR Invalid body: priority: Too big: expected number to be <=1000",
      "JOB_NOT_FOUND",
      "NETWORK_ERROR 0",
    ]);
  }, 90_000);

  it("submit-options shows priority, delay, idempotency and cancelling a delayed job", async () => {
    const out = await expectRuns("submit-options");
    expect(out.trim().split("\n")).toEqual([
      "priority: 100",
      "delayed: pending true",
      "same job: true",
      "cancelled: cancelled",
    ]);
  }, 90_000);

  it("list-jobs lists the user's completed hello jobs with results", async () => {
    await run("hello", { name: "list" });
    const out = await expectRuns("list-jobs");
    expect(out).toMatch(/^\d+ completed hello jobs, showing \d+$/m);
    expect(out).toContain('{"greeting":"Hello, list!"');
  }, 90_000);

  it("cancel-job cancels a running job, which stops between items", async () => {
    const out = await expectRuns("cancel-job");
    expect(out).toMatch(/^Cancel requested at \d+%: cancelled$/m);
    expect(out).toContain("Final status: cancelled");
    expect(out).toContain("JOB_NOT_CANCELLABLE");
    expect(out).toMatch(/^\[warn\] Cancelled after \d+ of 100 items$/m);
    expect(out).toContain("[warn] Job cancelled");
  }, 90_000);

  it("realtime-progress sees the job's updates through to completed", async () => {
    const out = await expectRuns("realtime-progress");
    // The last progress and the completion can land in one update.
    expect(out).toMatch(/^(running|completed) 100% Processed 3\/3$/m);
    expect(out).toContain("Job ended: completed");
  }, 90_000);

  it("follow-logs tails the log lines live and reads them back", async () => {
    const out = await expectRuns("follow-logs");
    expect(out).toMatch(/^live: \[info\] Attempt 1 of 4 failed; retrying in \d+ ms$/m);
    expect(out).toContain("completed after 2 attempts");
    expect(out).toMatch(/^\d+: Attempt 1 of 4 failed; retrying in \d+ ms$/m);
  }, 90_000);

  it("fix-and-retry fails for a missing secret, stores it, retries the same job and masks it in the logs", async () => {
    const out = await expectRuns("fix-and-retry");
    expect(out.trim().split("\n")).toEqual([
      'failed: Secret "greeting_api_key" is required but is not set',
      "secret stored: 201",
      "retry: pending, same job: true",
      'completed: {"from":"user","key_length":14}',
      "Calling the API with ***",
    ]);
  }, 90_000);

  it("admin-overview reads stats, workers, functions and failed jobs with the service key", async () => {
    const out = await expectRuns("admin-overview");
    expect(out).toMatch(/^jobs: \d+ total, \d+ pending, \d+ running$/m);
    expect(out).toMatch(/^worker worker-[0-9a-f]{8}@\S+: active, \d+\/5 jobs$/m);
    expect(out).toContain("function process-items: timeout 600s, retries 2");
    expect(out).toMatch(/^\d+ failed jobs across all users$/m);
  }, 90_000);

  it("upload-function creates, runs on behalf of a user, and deletes a function", async () => {
    const out = await expectRuns("upload-function");
    expect(out.trim().split("\n")).toEqual([
      "created shout: timeout 20s, retries 0, origin api",
      'completed {"user":"3f0c2a9e-5b1d-4c7e-9a8f-2d6b4e1c0a7f","word":"HELLO"}',
      "deleted shout",
    ]);
  }, 90_000);
});

interface Curl {
  where: string;
  method: string;
  route: string;
  headers: Record<string, string>;
  body?: string;
}

/** The curl commands of the pages, continuation lines joined, `$VARIABLES` left in place. */
function curlCommands(): Curl[] {
  const commands: Curl[] = [];
  for (const block of blocks) {
    if (!["sh", "bash", "shell"].includes(block.lang)) continue;
    const text = block.body.replace(/\\\n\s*/g, " ");
    for (const line of text.split("\n")) {
      const at = line.indexOf("curl ");
      if (at === -1 || line.trimStart().startsWith("#")) continue;
      const command = line.slice(at);
      const url = /"\$FLUXBASE_URL([^"]*)"/.exec(command)?.[1];
      if (url === undefined)
        throw new Error(`${block.page}:${block.line}: curl without "$FLUXBASE_URL/...": ${line}`);
      const body = /(?:-d|--data) '([^']*)'/.exec(command)?.[1];
      const method = /-X (\w+)/.exec(command)?.[1] ?? (body === undefined ? "GET" : "POST");
      const headers: Record<string, string> = {};
      for (const [, name, value] of command.matchAll(/-H "([^:]+): ([^"]*)"/g)) headers[name!] = value!;
      commands.push({ where: `${block.page}:${block.line}`, method, route: url, headers, body });
    }
  }
  return commands;
}

describe("curl examples", () => {
  it("use routes that exist, with bodies those routes accept", async () => {
    const commands = curlCommands();
    expect(commands.length).toBeGreaterThan(10);
    const jobId = await submit(ada.token, { job_name: "hello" });
    const admin = await server.user("admin");
    const vars: Record<string, string> = {
      FLUXBASE_URL: server.url,
      TOKEN: ada.token,
      ADMIN_TOKEN: admin.token,
      SERVICE_KEY: server.serviceKey,
      ANON_KEY: server.anonKey,
      JOB_ID: jobId,
    };
    const expand = (text: string) =>
      text.replace(/\$(\w+)/g, (whole, name: string) => {
        if (vars[name] === undefined) throw new Error(`unknown variable ${whole} in a curl example`);
        return vars[name]!;
      });
    for (const curl of commands) {
      const headers = Object.fromEntries(Object.entries(curl.headers).map(([k, v]) => [k, expand(v)]));
      const res = await fetch(`${server.url}${expand(curl.route)}`, {
        method: curl.method,
        headers,
        body: curl.body,
      });
      const text = await res.text();
      const what = `${curl.where}: ${curl.method} ${curl.route} answered ${res.status} ${text.slice(0, 300)}`;
      expect(res.status, what).toBeLessThan(500);
      const code = text.startsWith("{") ? JSON.parse(text).code : undefined;
      expect(
        ["ROUTE_NOT_FOUND", "VALIDATION_ERROR", "INVALID_JSON", "INVALID_TOKEN", "TOKEN_MISSING"],
        what,
      ).not.toContain(code);
    }
  }, 60_000);
});
