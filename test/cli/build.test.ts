/**
 * The shipped CLI is the build's JavaScript (tsup, as `npm install` runs it through `prepare`): it
 * prints the same help as the sources, and the server it starts finds its migrations, sandbox guest,
 * Deno and example pages from dist/ and runs a job end to end.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "tsup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageBuild } from "../../tsup.config.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { fluxbaseArgs, runCli } from "../support/runCli.ts";
import { type ServerProcess, spawnServer } from "../support/serverProcess.ts";
import { progressJob } from "./cliServer.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
// Inside the repository, like dist/, so the build resolves the same node_modules.
mkdirSync(path.join(root, ".scratch"), { recursive: true });
const scratch = mkdtempSync(path.join(root, ".scratch", "build-"));
const outDir = path.join(scratch, "dist");
const cli = path.join(outDir, "cli.js");
let db: TestDatabase;
let server: ServerProcess | undefined;

beforeAll(async () => {
  await build({ ...packageBuild(outDir), config: false, silent: true });
  db = await createTestDatabase();
}, 120_000);
afterAll(async () => {
  server?.child.kill("SIGTERM");
  await server?.exited;
  await db?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

const node = (args: string[]) =>
  spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", timeout: 60_000 });

describe("the built CLI", { timeout: 120_000 }, () => {
  it("is JavaScript only, and prints the version and the sources' help", () => {
    const files = readdirSync(outDir).filter((file) => file.endsWith(".js"));
    expect(files).toContain("cli.js");
    for (const file of files) {
      expect(readFileSync(path.join(outDir, file), "utf8")).not.toMatch(/from "[^"]+\.ts"/);
    }
    const { version } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
    expect(node([cli, "--version"])).toMatchObject({ status: 0, stdout: `${version}\n` });
    const built = node([cli, "--help"]);
    expect(built.status).toBe(0);
    expect(built.stdout).toBe(node([...fluxbaseArgs, "--help"]).stdout);
  });

  it("starts the server, which migrates, bundles the sandbox guest and runs a job", async () => {
    const work = path.join(scratch, "app");
    const jobsDir = path.join(work, "jobs");
    mkdirSync(jobsDir, { recursive: true });
    writeFileSync(path.join(jobsDir, "progress.ts"), progressJob);
    const dataDir = path.join(work, ".fluxbase");
    server = await spawnServer(
      { FLUXBASE_DATABASE_URL: db.url, FLUXBASE_DATA_DIR: dataDir, FLUXBASE_JOBS_DIR: jobsDir },
      ["start"],
      { command: [cli], cwd: work },
    );
    const run = await runCli({ url: server.url, dataDir }, ["jobs", "submit", "progress", "--wait"], {
      command: [cli],
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Job \S+ completed in /m);
    const page = await fetch(`${server.url}/examples/progress/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<html");
  });
});
