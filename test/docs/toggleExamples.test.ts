/** The examples of docs/toggles.md, run as a reader would run them. */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { testJwtSecret } from "../support/server.ts";
import { blocks, examplesDir, expectRuns, root, run, useDocsServer } from "./support.ts";

/** Runs a library example in its own process, on a database of its own; resolves to its stdout. */
async function runLibraryExample(name: string, db: TestDatabase, dir: string): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(examplesDir, name)], {
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
  return stdout;
}

describe("the library examples", () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(path.join(tmpdir(), "fluxbase-toggles-docs-"));
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("toggles-app.ts prints what the page shows", async () => {
    const out = await runLibraryExample("toggles-app.ts", db, dir);
    const shown = blocks.find(
      (b) => b.page === "docs/toggles.md" && b.lang === "text" && b.body.startsWith("acme before"),
    );
    expect(out.trim()).toBe(shown!.body.trim());
  }, 90_000);

  it("toggles-test.ts passes its own assertions", async () => {
    expect((await runLibraryExample("toggles-test.ts", db, dir)).trim()).toBe("toggle tests passed");
  }, 90_000);
});

describe("the examples on the docs server", () => {
  const docs = useDocsServer();
  const service = () => docs.server.serviceKey;
  const admin = (method: string, route: string, body?: unknown) =>
    docs.server.request(method, `/api/v1/admin/toggles${route}`, { token: service(), body });

  it("billing-summary reads the toggle for its submitter's tenant", async () => {
    await admin("PUT", "/new-billing", { enabled: false });
    const user = await docs.server.user();
    expect((await run(docs, "billing-summary", { month: "2026-11" }, user.token)).result).toEqual({
      pipeline: "v1",
      month: "2026-11",
    });
    await admin("PUT", `/new-billing/tenants/${user.id}`, { enabled: true });
    const job = await run(docs, "billing-summary", { month: "2026-12" }, user.token);
    expect(job).toMatchObject({ status: "completed", result: { pipeline: "v2", month: "2026-12" } });
  }, 60_000);

  it("toggle-check asks for the signed-in user's tenant", async () => {
    await admin("PUT", "/new-billing", { enabled: false });
    const user = await docs.server.user();
    expect((await expectRuns(docs, "toggle-check", { FLUXBASE_KEY: user.token })).trim().split("\n")).toEqual(
      ["old billing", `decided for tenant ${user.id}`, "TOGGLE_NOT_FOUND"],
    );
    await admin("PUT", `/new-billing/tenants/${user.id}`, { enabled: true });
    expect((await expectRuns(docs, "toggle-check", { FLUXBASE_KEY: user.token })).split("\n")[0]).toBe(
      "new billing",
    );
  }, 90_000);

  it("toggles-policy.sql shows v2 invoices only to tenants on new billing", async () => {
    const sql = docs.server.db.sql;
    await sql.unsafe(readFileSync(path.join(examplesDir, "toggles-policy.sql"), "utf8"));
    await sql`insert into app.invoices_v2 (tenant, total_cents) values ('acme', 1200), ('globex', 900)`;
    const token = await docs.server.token({
      role: "authenticated",
      sub: "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
      claims: { tenant_id: "acme" },
    });
    const read = async () =>
      (
        await docs.server.request("GET", "/rest/v1/invoices_v2?select=tenant,total_cents", {
          token,
          headers: { "accept-profile": "app" },
        })
      ).json();
    await admin("PUT", "/new-billing", { enabled: false });
    expect(await read()).toEqual([]);
    await admin("PUT", "/new-billing/tenants/acme", { enabled: true });
    expect(await read()).toEqual([{ tenant: "acme", total_cents: 1200 }]);
  });
});
