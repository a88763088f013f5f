/** The trusted-handler examples of docs/trusted-handlers.md, run as a reader would run them. */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startTestServer, type TestServer, testJwtSecret, waitForJob } from "../support/server.ts";
import { blocks, examplesDir, root } from "./support.ts";

describe("trusted-app.ts (the library in your own Node process)", () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(path.join(tmpdir(), "fluxbase-trusted-app-"));
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts, refuses a bad payload, runs the job and writes the outbox", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(examplesDir, "trusted-app.ts")], {
      cwd: root,
      env: {
        ...process.env,
        FLUXBASE_DATABASE_URL: db.url,
        FLUXBASE_PORT: "0",
        FLUXBASE_DATA_DIR: path.join(dir, "data"),
        FLUXBASE_JOBS_DIR: path.join(dir, "jobs"),
        FLUXBASE_AUTH_JWT_SECRET: testJwtSecret,
        FLUXBASE_LOG_LEVEL: "warn",
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
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout.trim().split("\n")).toEqual([
      "refused: VALIDATION_ERROR to, name",
      'completed {"sent":true,"attempt":1}',
      "outbox: ada@example.com Welcome, Ada!",
    ]);
  }, 90_000);
});

describe("handlers/index.ts (the standalone server's handlers module)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      workers: true,
      handlersModule: path.join(examplesDir, "handlers", "index.ts"),
      jobs: { apiLaneConcurrency: 2 },
    });
    for (const file of ["app-notes.sql", "outbox.sql"]) {
      await server.db.sql.unsafe(readFileSync(path.join(examplesDir, file), "utf8"));
    }
  }, 120_000);
  afterAll(() => server?.stop());

  it("answers a bad payload as the page shows", async () => {
    const user = await server.user();
    const res = await server.request("POST", "/api/v1/jobs/submit", {
      token: user.token,
      body: { job_name: "send-welcome", payload: { to: "not an email", name: "" } },
    });
    expect(res.status).toBe(400);
    const shown = blocks.find(
      (b) =>
        b.page === "docs/trusted-handlers.md" && b.lang === "json" && b.body.includes("VALIDATION_ERROR"),
    );
    expect(await res.json()).toEqual(JSON.parse(shown!.body));
  });

  it("runs an api-lane handler as its submitter, with a follow-up made in its transaction", async () => {
    const user = await server.user();
    await server.db
      .sql`insert into app.notes (user_id, body) values (${user.id}, 'one'), (${user.id}, 'two')`;
    const res = await server.request("POST", "/api/v1/jobs/submit", {
      token: user.token,
      body: { job_name: "my-note-count" },
    });
    expect(res.status).toBe(201);
    const job = await waitForJob(server, (await res.json()).id);
    expect(job).toMatchObject({ status: "completed", lane: "api", result: { notes: 2, user: user.email } });
    const [followUp] = await server.db
      .sql`select id from jobs.queue where job_name = 'send-welcome' order by created_at desc limit 1`;
    expect(await waitForJob(server, followUp!.id)).toMatchObject({ status: "completed", lane: "worker" });
    const outbox = await server.db.sql`select recipient, body from app.outbox order by id`;
    expect(outbox).toEqual([
      { recipient: user.email, body: "2 notes" },
      { recipient: "ops@example.com", body: "Welcome, Ops!" },
    ]);
  });
});
