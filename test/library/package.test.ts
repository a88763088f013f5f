/**
 * The library as an application gets it: `npm pack` of the repository (the suite's global setup has
 * just built dist/), installed from the tarball with its registry dependencies into an app folder
 * outside the repository, then type-checked against the packed .d.ts and run. The app (test/library/app/)
 * defines a trusted handler with a zod payload, starts the server in its own process against the
 * suite's Postgres and enqueues a job; a sandboxed function in its ./jobs proves that the migrations,
 * the sandbox guest and Deno are found from node_modules/fluxbase-jobs.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "../../server/auth/mintToken.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { descendants } from "../support/processes.ts";
import { testJwtSecret } from "../support/server.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const appSources = path.join(import.meta.dirname, "app");
const tsc = path.join(root, "node_modules/typescript/bin/tsc");

let app: string;
let tarball: string;
let db: TestDatabase;
let child: ChildProcess | undefined;
let output = "";

/** The JSON line the app prints once it is up: its URL, service key and the job it enqueued. */
let started: { url: string; serviceKey: string; enqueued: string };

beforeAll(async () => {
  app = mkdtempSync(path.join(tmpdir(), "fluxbase-library-app-"));
  // Packed once for the file, without scripts: dist/ is built, and a user's install runs none of ours.
  const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", app], {
    cwd: root,
  });
  tarball = path.join(app, JSON.parse(stdout)[0].filename);
  for (const file of readdirSync(appSources)) copyFileSync(path.join(appSources, file), path.join(app, file));
  writeFileSync(
    path.join(app, "package.json"),
    JSON.stringify({ name: "library-consumer", private: true, type: "module" }, null, 2),
  );
  const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  await run(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      "--ignore-scripts",
      tarball,
      `zod@${manifest.dependencies.zod}`,
      `@types/node@${manifest.devDependencies["@types/node"]}`,
    ],
    { cwd: app, timeout: 240_000 },
  );
  db = await createTestDatabase();
}, 300_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill("SIGTERM");
    await new Promise((resolve) => child!.once("exit", resolve));
  }
  await db?.drop();
  if (app) rmSync(app, { recursive: true, force: true });
});

const api = async (method: string, route: string, token: string, body?: unknown) => {
  const res = await fetch(`${started.url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

async function finished(id: string, token: string): Promise<Record<string, any>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { body } = await api("GET", `/api/v1/jobs/${id}`, token);
    if (["completed", "failed", "cancelled"].includes(body.status)) return body;
    if (Date.now() > deadline)
      throw new Error(`job ${id} did not finish: ${JSON.stringify(body)}\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("the packed library", () => {
  it("ships the built library, its types and what the server reads at run time, and no sources", async () => {
    const { stdout } = await run("tar", ["-tzf", tarball]);
    const files = stdout.trim().split("\n");
    expect(files).toEqual(
      expect.arrayContaining([
        "package/package.json",
        "package/README.md",
        "package/LICENSE",
        "package/dist/index.js",
        "package/dist/index.d.ts",
        "package/dist/cli.js",
        "package/cli/bin.mjs",
        "package/migrations/0001_roles_and_auth.sql",
        "package/sandbox/protocol.ts",
        "package/sandbox/guest/inline.ts",
        "package/sandbox/spawner/spawner.mjs",
        "package/sdk/src/index.ts",
        "package/docs/examples/browser/admin/index.html",
        "package/dist/dashboard/app.js",
        "package/dist/dashboard/app.css",
      ]),
    );
    const unwanted = files.filter((file) =>
      /^package\/(server|test|bench|jobs|sandbox\/host|cli\/[^/]+\.ts|node_modules)\/|\.map$/.test(file),
    );
    expect(unwanted).toEqual([]);
    const installed = JSON.parse(
      readFileSync(path.join(app, "node_modules/fluxbase-jobs/package.json"), "utf8"),
    );
    expect(installed.private).toBeUndefined();
    expect(installed.exports["."]).toEqual({
      types: "./dist/index.d.ts",
      import: "./dist/index.js",
      default: "./dist/index.js",
    });
  });

  it("type-checks the app against the packed .d.ts (strict, NodeNext), and refuses a wrong payload or name", async () => {
    const ok = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: app }).catch((e) => e);
    expect(`${ok.stdout}${ok.stderr}`).toBe("");
    writeFileSync(
      path.join(app, "wrong.ts"),
      [
        'import { createFluxbase } from "fluxbase-jobs";',
        'import { resize } from "./app.js";',
        "const fluxbase = createFluxbase({ jobs: [resize] });",
        'await fluxbase.jobs.enqueue("resize-image", { url: "https://x.y/z.png", width: "wide" });',
        'await fluxbase.jobs.enqueue("no-such-job", {});',
        "",
      ].join("\n"),
    );
    const wrong = await run(
      process.execPath,
      [tsc, "--noEmit", "--strict", "--module", "NodeNext", "--types", "node", "wrong.ts"],
      { cwd: app },
    ).catch((e) => e);
    const errors = String(wrong.stdout).trim().split("\n");
    expect(errors).toEqual([
      expect.stringMatching(/^wrong\.ts\(4,.*error TS2322: Type 'string' is not assignable to type 'number'/),
      expect.stringMatching(
        /^wrong\.ts\(5,.*error TS2345: .*"no-such-job".* not assignable to parameter of type '"resize-image"'/,
      ),
    ]);
  }, 120_000);

  it("runs in the app's own process: the enqueued job completes with progress and logs over HTTP", async () => {
    mkdirSync(path.join(app, "jobs"));
    writeFileSync(
      path.join(app, "jobs", "hello.ts"),
      "export default async (_req: unknown, _fb: unknown, _svc: unknown, job: any) => ({ hello: job.getJobPayload().name });\n",
    );
    child = spawn(process.execPath, ["build/app.js"], {
      cwd: app,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        FLUXBASE_DATABASE_URL: db.url,
        FLUXBASE_PORT: "0",
        FLUXBASE_HOST: "127.0.0.1",
        FLUXBASE_AUTH_JWT_SECRET: testJwtSecret,
        FLUXBASE_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stderr!.on("data", (chunk) => {
      output += chunk;
    });
    started = await new Promise((resolve, reject) => {
      let stdout = "";
      child!.stdout!.on("data", (chunk) => {
        stdout += chunk;
        const line = stdout.split("\n").find((l) => l.startsWith("{"));
        if (line) resolve(JSON.parse(line));
      });
      child!.once("exit", (code) => reject(new Error(`the app exited with ${code}:\n${stdout}${output}`)));
    });

    const job = await finished(started.enqueued, started.serviceKey);
    expect(job).toMatchObject({
      job_name: "resize-image",
      status: "completed",
      payload: { url: "https://example.com/a.png", width: 320 },
      result: { width: 320, attempt: 1, two: 2 },
    });
    // The handler's last report, at 100 once it completed.
    expect(job.progress).toEqual({ percent: 100, message: "resizing", data: { width: 320 } });
    const { body: logs } = await api("GET", `/api/v1/jobs/${job.id}/logs`, started.serviceKey);
    expect(logs.logs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: "info", message: expect.stringContaining("resized") }),
      ]),
    );

    // Through the HTTP API as a signed-in user: the same handler, and a sandboxed function beside it.
    const userId = crypto.randomUUID();
    const token = await mintToken(testJwtSecret, {
      role: "authenticated",
      sub: userId,
      email: "u@example.test",
    });
    const submitted = await api("POST", "/api/v1/jobs/submit", token, {
      job_name: "resize-image",
      payload: { url: "https://example.com/b.png", width: 64 },
    });
    expect(submitted.status).toBe(201);
    expect(await finished(submitted.body.id, token)).toMatchObject({
      status: "completed",
      created_by: userId,
      result: { width: 64 },
    });
    const hello = await api("POST", "/api/v1/jobs/submit", token, {
      job_name: "hello",
      payload: { name: "Ada" },
    });
    expect(hello.status).toBe(201);
    expect(await finished(hello.body.id, token)).toMatchObject({
      status: "completed",
      result: { hello: "Ada" },
    });
    // Its Deno process was started by the installed package's spawner, below the app's process.
    const commandLines = descendants(child!.pid!).map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      } catch {
        return "";
      }
    });
    const spawner = path.join(app, "node_modules/fluxbase-jobs/sandbox/spawner/spawner.mjs");
    expect(commandLines.filter((line) => line.includes(spawner))).toHaveLength(1);
  }, 120_000);

  it("refuses a payload its zod schema rejects with 400 VALIDATION_ERROR, and writes nothing", async () => {
    const before = await db.sql`select count(*)::int as n from jobs.queue`;
    const res = await api("POST", "/api/v1/jobs/submit", started.serviceKey, {
      job_name: "resize-image",
      payload: { url: "not a url", width: -1 },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("VALIDATION_ERROR");
    expect(JSON.stringify(res.body)).toMatch(/url/);
    expect(JSON.stringify(res.body)).toMatch(/width/);
    expect(await db.sql`select count(*)::int as n from jobs.queue`).toEqual(before);
  });

  it("serves the admin view and the documentation from the installed package", async () => {
    const home = await fetch(`${started.url}/`);
    expect(await home.text()).toContain('href="/docs/trusted-handlers.md"');
    const admin = await fetch(`${started.url}/examples/admin/`);
    expect(admin.status).toBe(200);
    const sdk = await fetch(`${started.url}/examples/sdk.js`);
    expect(sdk.status).toBe(200);
    // The dashboard was built with the package: no sources are in it to bundle at run time.
    const dashboard = await fetch(`${started.url}/admin/`);
    expect(await dashboard.text()).toContain('src="/admin/app.js"');
    const app = await fetch(`${started.url}/admin/app.js`);
    expect(app.status).toBe(200);
    expect((await app.text()).length).toBeGreaterThan(50_000);
  }, 60_000);

  it("stops on SIGTERM", async () => {
    const exit = new Promise((resolve) => child!.once("exit", (code) => resolve(code)));
    child!.kill("SIGTERM");
    expect(await exit).toBe(0);
  }, 30_000);
});
