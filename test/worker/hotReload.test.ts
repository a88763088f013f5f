/** Files dropped into, changed in, or removed from ./jobs take effect without a restart. */
import { execFileSync } from "node:child_process";
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/runCli.ts";
import { startTestServer, type TestServer, type TestUser, waitForJob } from "../support/server.ts";

let server: TestServer;
let user: TestUser;
let jobsDir: string;

beforeAll(async () => {
  jobsDir = mkdtempSync(path.join(tmpdir(), "fluxbase-hot-"));
  server = await startTestServer({ workers: true, jobs: { dir: jobsDir, watch: true } });
  user = await server.user();
});
afterAll(async () => {
  await server.stop();
  rmSync(jobsDir, { recursive: true, force: true });
});

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const fn = async (name: string) =>
  (
    await server.db.sql<{ version: number; timeout_seconds: number; bundle_error: string | null }[]>`
    select version, timeout_seconds, bundle_error from jobs.functions where name = ${name}`
  )[0];
/** Waits for the function's stored version to pass `after`. */
const newerThan = (name: string, after: number) =>
  until(async () => {
    const row = await fn(name);
    return row && row.version > after ? row : undefined;
  });
const run = async (name: string) => {
  const res = await server.request("POST", "/api/v1/jobs/submit", {
    token: user.token,
    body: { job_name: name },
  });
  expect(res.status).toBe(201);
  return waitForJob(server, (await res.json()).id);
};

describe("hot reload of the jobs folder", () => {
  it("picks up an added file, a change and a removal, and keeps API-created functions", async () => {
    const apiCreated = await server.request("POST", "/api/v1/admin/jobs/functions", {
      token: server.serviceKey,
      body: { name: "from-api", code: "export default () => 'api'" },
    });
    expect(apiCreated.status).toBe(201);

    const file = path.join(jobsDir, "greet.ts");
    writeFileSync(file, "// @fluxbase:timeout 30\nexport default () => 'hello v1';\n");
    const first = await until(() => fn("greet"));
    expect(first.timeout_seconds).toBe(30);
    expect((await run("greet")).result).toBe("hello v1");

    writeFileSync(file, "// @fluxbase:timeout 40\nexport default () => 'hello v2';\n");
    const second = await until(async () =>
      ((await fn("greet"))?.version ?? 0) > first.version ? fn("greet") : undefined,
    );
    expect(second!.timeout_seconds).toBe(40);
    expect((await run("greet")).result).toBe("hello v2");

    unlinkSync(file);
    await until(async () => ((await fn("greet")) === undefined ? true : undefined));
    const gone = await server.request("POST", "/api/v1/jobs/submit", {
      token: user.token,
      body: { job_name: "greet" },
    });
    expect(gone.status).toBe(404);
    expect(await fn("from-api")).toBeDefined();
  });

  it("sees every way an editor saves: rename-save then in-place writes, sed -i, cp over, append, a new folder", async () => {
    const file = path.join(jobsDir, "edit.ts");
    const source = (text: string) => `export default () => ${JSON.stringify(text)};\n`;
    writeFileSync(file, source("v1"));
    let row = await until(() => fn("edit"));
    expect((await run("edit")).result).toBe("v1");

    writeFileSync(`${file}.tmp`, source("renamed"));
    renameSync(`${file}.tmp`, file);
    row = await newerThan("edit", row.version);
    expect((await run("edit")).result).toBe("renamed");

    writeFileSync(file, source("in place"));
    row = await newerThan("edit", row.version);
    expect((await run("edit")).result).toBe("in place");

    execFileSync("sed", ["-i", "s/in place/by sed/", file]);
    row = await newerThan("edit", row.version);
    writeFileSync(file, source("in place again"));
    row = await newerThan("edit", row.version);
    expect((await run("edit")).result).toBe("in place again");

    const elsewhere = path.join(jobsDir, "..", `${path.basename(jobsDir)}-copy.ts`);
    writeFileSync(elsewhere, source("copied"));
    copyFileSync(elsewhere, file);
    rmSync(elsewhere);
    row = await newerThan("edit", row.version);
    expect((await run("edit")).result).toBe("copied");

    appendFileSync(file, "export const appended = true;\n");
    row = await newerThan("edit", row.version);

    mkdirSync(path.join(jobsDir, "folder-fn"));
    writeFileSync(path.join(jobsDir, "folder-fn", "index.ts"), source("from a folder"));
    await until(() => fn("folder-fn"));
    expect((await run("folder-fn")).result).toBe("from a folder");
  });

  it("keeps the last good version running when a save fails to bundle, and shows the error until fixed", async () => {
    const file = path.join(jobsDir, "steady.ts");
    writeFileSync(file, "// @fluxbase:timeout 30\nexport default () => 'good';\n");
    const good = await until(() => fn("steady"));
    expect((await run("steady")).result).toBe("good");

    writeFileSync(file, "// @fluxbase:timeout 60\nexport default () => { 'broken' ;;; (\n");
    const broken = await until(async () => ((await fn("steady"))?.bundle_error ? fn("steady") : undefined));
    expect(broken).toMatchObject({ version: good.version, timeout_seconds: 30 });
    expect(broken.bundle_error).toContain("steady.ts");

    // The last good code still runs, with its own settings.
    const job = await run("steady");
    expect(job).toMatchObject({ status: "completed", result: "good", timeout_seconds: 30 });

    // The error is on the function: admin API and `fluxbase functions get`.
    const res = await server.request("GET", "/api/v1/admin/jobs/functions/default/steady", {
      token: server.serviceKey,
    });
    expect(res.status).toBe(200);
    const shown = await res.json();
    expect(shown).toMatchObject({ version: good.version, bundle_error: broken.bundle_error });
    expect(shown.code_hash).toEqual(expect.any(String));
    const short = await server.request("GET", "/api/v1/admin/jobs/functions/steady", {
      token: server.serviceKey,
    });
    expect(await short.json()).toEqual(shown);
    const missing = await server.request("GET", "/api/v1/admin/jobs/functions/nope", {
      token: server.serviceKey,
    });
    expect(missing.status).toBe(404);
    expect((await missing.json()).code).toBe("FUNCTION_NOT_FOUND");
    const cli = await runCli({ url: server.url, dataDir: server.dataDir }, ["functions", "get", "steady"]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain("bundle error:");
    expect(cli.stdout).toContain("steady.ts");

    writeFileSync(file, "// @fluxbase:timeout 45\nexport default () => 'fixed';\n");
    const fixed = await newerThan("steady", good.version);
    expect(fixed).toMatchObject({ bundle_error: null, timeout_seconds: 45 });
    expect((await run("steady")).result).toBe("fixed");
  });

  it("a new file that never bundled is stored with its error and its jobs fail with it", async () => {
    writeFileSync(path.join(jobsDir, "never.ts"), "export default () => { (\n");
    const row = await until(async () => ((await fn("never"))?.bundle_error ? fn("never") : undefined));
    expect(row.bundle_error).toContain("never.ts");
    const job = await run("never");
    expect(job.status).toBe("failed");
    expect(job.error_message).toContain("failed to bundle");
  });
});
