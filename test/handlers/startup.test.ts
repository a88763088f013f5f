/** Start-up with trusted handlers: name clashes, the handlers module of the standalone server. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFluxbase } from "../../server/app.ts";
import { defineJob } from "../../server/index.ts";
import { createLogger } from "../../server/log.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { waitForJob } from "../support/server.ts";

let db: TestDatabase;
let root: string;

beforeAll(async () => {
  db = await createTestDatabase();
  root = mkdtempSync(path.join(tmpdir(), "fluxbase-handlers-"));
});
afterAll(async () => {
  await db.drop();
  rmSync(root, { recursive: true, force: true });
});

/** A server on the test database with its own folders under `dir`. */
function serverIn(dir: string, extra: Parameters<typeof createFluxbase>[0] = {}) {
  mkdirSync(path.join(dir, "jobs"), { recursive: true });
  return createFluxbase({
    env: {},
    cwd: dir,
    logger: createLogger("error"),
    ...extra,
    options: {
      port: 0,
      databaseUrl: db.url,
      jwtSecret: "y".repeat(40),
      dataDir: path.join(dir, ".fluxbase"),
      ...extra.options,
      jobs: { embeddedWorkerCount: 1, pollInterval: 100, ...extra.options?.jobs },
    },
  });
}

describe("start-up", () => {
  it("refuses a handler named like a sandboxed function, naming both places", async () => {
    const dir = path.join(root, "clash");
    mkdirSync(path.join(dir, "jobs"), { recursive: true });
    writeFileSync(path.join(dir, "jobs", "report.ts"), "export function handler() { return 1 }\n");
    const report = defineJob({ name: "report", handler: () => 2 });
    const fluxbase = serverIn(dir, { handlers: [report] });
    const failure = fluxbase.start();
    await expect(failure).rejects.toThrow(
      /Job "report" is defined twice: as a trusted handler at .*startup\.test\.ts:\d+ and as a sandboxed function in the jobs folder \(report\.ts\)/,
    );
    await fluxbase.stop();
    expect(await db.sql`select 1 from jobs.functions where name = 'report'`).toHaveLength(0);
  });

  it("refuses two handlers with one name, naming both definitions", async () => {
    const one = defineJob({ name: "twice", handler: () => 1 });
    const two = defineJob({ name: "twice", handler: () => 2 });
    const fluxbase = serverIn(path.join(root, "twice"), { handlers: [one, two] });
    await expect(fluxbase.start()).rejects.toThrow(
      /Two trusted handlers are named "default\/twice": one defined at .*startup\.test\.ts:\d+, one at .*startup\.test\.ts:\d+/,
    );
    await fluxbase.stop();
  });

  it("refuses a handler with an invalid name or settings", async () => {
    const bad = defineJob({ name: "no spaces", handler: () => 1 });
    const fluxbase = serverIn(path.join(root, "bad"), { handlers: [bad] });
    await expect(fluxbase.start()).rejects.toThrow(/Handler name "no spaces" .* is not valid/);
    await fluxbase.stop();
    const badTimeout = defineJob({ name: "t", timeout: 0, handler: () => 1 });
    const again = serverIn(path.join(root, "bad2"), { handlers: [badTimeout] });
    await expect(again.start()).rejects.toThrow(/timeout must be a whole number of seconds/);
    await again.stop();
  });

  it("loads ./handlers/index.ts by default and runs what it exports", async () => {
    const dir = path.join(root, "module");
    mkdirSync(path.join(dir, "handlers"), { recursive: true });
    const entry = path.resolve("server/index.ts");
    writeFileSync(
      path.join(dir, "handlers", "index.ts"),
      `import { defineJob } from ${JSON.stringify(entry)};
const double = defineJob({ name: "double", handler: (_ctx, payload: Record<string, unknown>) => ({ n: Number(payload.n) * 2 }) });
export default [double];
`,
    );
    const fluxbase = serverIn(dir);
    expect(fluxbase.config.handlersModule).toBe(path.join(dir, "handlers", "index.ts"));
    try {
      await fluxbase.start();
      const job = await fluxbase.jobs.enqueue("double", { n: 21 });
      expect(await waitForJob({ db } as never, job.id)).toMatchObject({
        status: "completed",
        result: { n: 42 },
      });
    } finally {
      await fluxbase.stop();
    }
  });

  it("FLUXBASE_HANDLERS naming a missing file stops the start with that path", async () => {
    const dir = path.join(root, "missing");
    const fluxbase = serverIn(dir, { env: { FLUXBASE_HANDLERS: "./nope/handlers.ts" } });
    await expect(fluxbase.start()).rejects.toThrow(
      `FLUXBASE_HANDLERS names ${path.join(dir, "nope/handlers.ts")}, which does not exist`,
    );
    await fluxbase.stop();
  });
});
