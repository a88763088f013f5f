/** Syncing functions into jobs.functions against a real Postgres (a database of this file's own). */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resolveConfig } from "../../server/config/resolveConfig.ts";
import { createFunctionsLoader, type FunctionsLoader } from "../../server/functions/functionsLoader.ts";
import { loadFunctionsFromDir } from "../../server/functions/loadFunctionsFromDir.ts";
import { prepareFunctionFromSource, syncFunctions } from "../../server/functions/syncFunctions.ts";
import type { LoadedFunction } from "../../server/functions/types.ts";
import type { Logger } from "../../server/log.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { job, makeJobsDir, type TempJobsDir } from "./jobsDir.ts";

const jobsConfig = {
  defaultTimeout: 300,
  maxTimeout: 3600,
  defaultMaxRetries: 3,
  defaultProgressTimeout: 300,
  defaultMemory: 256,
};
let db: TestDatabase;
let jobs: TempJobsDir;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());
beforeEach(async () => {
  await db.sql`delete from jobs.functions`;
  jobs = await makeJobsDir();
});
afterEach(() => jobs.cleanup());

const load = async () => (await loadFunctionsFromDir(jobs.dir, { jobs: jobsConfig })).functions;
const fsSync = async (
  functions: LoadedFunction[],
  extra: { dryRun?: boolean; deleteMissing?: boolean; namespace?: string } = {},
) => syncFunctions(db.sql, { functions, deleteMissing: true, dryRun: false, origin: "filesystem", ...extra });
const rows = () =>
  db.sql`select namespace, name, origin, version, code, code_hash, bundle_error, timeout_seconds, permissions,
                require_roles, source_path, enabled, updated_at
           from jobs.functions order by namespace, name`;
const upload = (name: string, code = job()) =>
  prepareFunctionFromSource({ name, code }, { config: { dataDir: jobs.root, jobs: jobsConfig as never } });

describe("syncFunctions", () => {
  it("creates, leaves unchanged, updates and deletes, bumping the version only on a change", async () => {
    await jobs.write(
      "hello.ts",
      job("@fluxbase:timeout 30\n@fluxbase:allow-net api.example.com\n@fluxbase:require-role admin"),
    );
    await jobs.write(
      "report/index.ts",
      'import { n } from "../_shared/n.ts";\nexport const handler = () => n;\n',
    );
    await jobs.write("_shared/n.ts", "export const n = 1;\n");

    const created = await fsSync(await load());
    expect(created).toEqual({
      summary: { created: 2, updated: 0, deleted: 0, unchanged: 0, errors: 0 },
      details: { created: ["hello", "report"], updated: [], deleted: [], unchanged: [] },
      errors: [],
    });
    const [hello, report] = await rows();
    expect(hello).toMatchObject({
      origin: "filesystem",
      version: 1,
      timeout_seconds: 30,
      permissions: { net: ["api.example.com"], env: [], read: [], write: [] },
      require_roles: ["admin"],
      source_path: "hello.ts",
      bundle_error: null,
    });
    expect(hello!.code).toContain("async function handler");
    expect(report).toMatchObject({ source_path: "report/index.ts", version: 1 });

    expect((await fsSync(await load())).summary).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
    expect((await rows()).map((r) => r.version)).toEqual([1, 1]);

    // A change in _shared/ changes report's bundle; a settings-only change is a change too.
    await jobs.write("_shared/n.ts", "export const n = 2;\n");
    await jobs.write(
      "hello.ts",
      job("@fluxbase:timeout 60\n@fluxbase:allow-net api.example.com\n@fluxbase:require-role admin"),
    );
    const updated = await fsSync(await load());
    expect(updated.details).toEqual({
      created: [],
      updated: ["hello", "report"],
      deleted: [],
      unchanged: [],
    });
    const after = await rows();
    expect(after.map((r) => [r.version, r.timeout_seconds])).toEqual([
      [2, 60],
      [2, 300],
    ]);
    expect(after[0]!.updated_at.getTime()).toBeGreaterThan(hello!.updated_at.getTime());

    await jobs.remove("report");
    expect((await fsSync(await load())).details).toEqual({
      created: [],
      updated: [],
      deleted: ["report"],
      unchanged: ["hello"],
    });
    expect((await rows()).map((r) => r.name)).toEqual(["hello"]);
  });

  it("computes the same summary in a dry run and writes nothing", async () => {
    await jobs.write("a.ts", job());
    await jobs.write("b.ts", job());
    await fsSync(await load());
    await jobs.remove("a.ts");
    await jobs.write("b.ts", job("@fluxbase:max-retries 0"));
    await jobs.write("c.ts", job());
    const before = await rows();

    const dry = await fsSync(await load(), { dryRun: true });
    expect(dry.details).toEqual({ created: ["c"], updated: ["b"], deleted: ["a"], unchanged: [] });
    expect(await rows()).toEqual(before);
    expect((await fsSync(await load())).details).toEqual(dry.details);
  });

  it("never deletes or overwrites functions created through the API", async () => {
    const api = await upload("uploaded");
    const clash = await upload("hello");
    expect(
      (
        await syncFunctions(db.sql, {
          functions: [api, clash],
          deleteMissing: false,
          dryRun: false,
          origin: "api",
        })
      ).summary.created,
    ).toBe(2);

    await jobs.write("hello.ts", job("@fluxbase:timeout 5"));
    await jobs.write("mine.ts", job());
    const result = await fsSync(await load());
    expect(result.details).toEqual({ created: ["mine"], updated: [], deleted: [], unchanged: [] });
    expect(result.errors).toEqual([
      {
        name: "hello",
        message: "a function named hello was created through the API; this filesystem sync leaves it alone",
      },
    ]);
    expect((await rows()).map((r) => [r.name, r.origin, r.timeout_seconds])).toEqual([
      ["hello", "api", 300],
      ["mine", "filesystem", 300],
      ["uploaded", "api", 300],
    ]);

    await jobs.remove("mine.ts");
    await jobs.remove("hello.ts");
    expect((await fsSync(await load())).details.deleted).toEqual(["mine"]);
    expect((await rows()).map((r) => r.name)).toEqual(["hello", "uploaded"]);
  });

  it("limits deleteMissing to the namespace given, or spans them all without one", async () => {
    await jobs.write("a.ts", job());
    await jobs.write("b.ts", job("@fluxbase:namespace billing"));
    expect((await fsSync(await load())).details.created).toEqual(["a", "billing/b"]);

    expect((await fsSync([], { namespace: "default" })).details.deleted).toEqual(["a"]);
    expect((await rows()).map((r) => `${r.namespace}/${r.name}`)).toEqual(["billing/b"]);
    expect((await fsSync([])).details.deleted).toEqual(["billing/b"]);
    expect(await rows()).toEqual([]);
  });

  it("stores a function whose bundle failed, with the error, and refuses bad input without stopping", async () => {
    await jobs.write("broken.ts", "export function handler( {\n");
    await jobs.write("fine.ts", job("@fluxbase:bogus 1"));
    const functions = await load();
    const bad = { ...functions[1]!, name: "-bad", annotationErrors: [] };
    const result = await fsSync([...functions, bad]);
    expect(result.details.created).toEqual(["broken", "fine"]);
    expect(result.errors).toEqual([
      { name: "broken", message: expect.stringMatching(/^broken\.ts:2:1: /) },
      { name: "fine", message: "fine.ts:2: unknown annotation @fluxbase:bogus" },
      { name: "-bad", message: expect.stringContaining('invalid function name "-bad"') },
    ]);
    expect(result.summary.errors).toBe(3);
    const [broken] = await rows();
    expect(broken).toMatchObject({
      name: "broken",
      code: null,
      code_hash: null,
      bundle_error: expect.stringContaining("broken.ts:2:1"),
    });
  });
});

describe("createFunctionsLoader", () => {
  let loader: FunctionsLoader;
  let dataDir: string;
  const lines: string[] = [];
  const logger: Logger = {
    debug: () => {},
    info: (m) => lines.push(`INFO ${m}`),
    warn: (m) => lines.push(`WARN ${m}`),
    error: (m) => lines.push(`ERROR ${m}`),
    child: () => logger,
  };
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "fluxbase-data-"));
    lines.length = 0;
  });
  afterEach(async () => {
    await loader.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const waitFor = async <T>(probe: () => Promise<T>, ok: (value: T) => boolean) => {
    for (let i = 0; i < 100; i++) {
      const value = await probe();
      if (ok(value)) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error("timed out waiting for the loader");
  };

  it("loads the folder at start-up, logs each function and error, and resyncs on changes", async () => {
    await jobs.write("hello.ts", job("@fluxbase:description Says hello\n@fluxbase:memory x"));
    await jobs.write("billing/index.ts", job("@fluxbase:namespace billing"));
    await jobs.write("clash.ts", job());
    await syncFunctions(db.sql, {
      functions: [await upload("clash")],
      deleteMissing: false,
      dryRun: false,
      origin: "api",
    });
    const config = resolveConfig({ options: { dataDir, jobs: { dir: jobs.dir } }, env: {}, cwd: jobs.root });
    loader = createFunctionsLoader({ sql: db.sql, config, logger, debounceMs: 50 });

    const first = await loader.loadAll();
    expect(first.details.created).toEqual(["billing/billing", "hello"]);
    expect(lines).toEqual(
      expect.arrayContaining([
        `ERROR ${jobs.dir}/hello.ts:3: @fluxbase:memory: expected a whole number of megabytes from 16 to 65536, got "x"`,
        "INFO function billing/billing created (billing/index.ts, ready)",
        "INFO function hello created (hello.ts, ready)",
        "ERROR function clash: a function named clash was created through the API; this filesystem sync leaves it alone",
      ]),
    );
    expect(lines.filter((l) => l.startsWith("ERROR"))).toHaveLength(2); // each error once

    loader.startWatching();
    await jobs.write("hello.ts", job("@fluxbase:description Says hello again"));
    await waitFor(rows, (r) => r.find((x) => x.name === "hello")?.version === 2);
    await jobs.remove("billing");
    await waitFor(rows, (r) => r.length === 2);
    expect(lines).toContain("INFO function billing/billing deleted (its file is gone)");
  });

  it("never runs two syncs at once; calls during a sync share one more", async () => {
    await jobs.write("a.ts", job());
    const config = resolveConfig({ options: { dataDir, jobs: { dir: jobs.dir } }, env: {}, cwd: jobs.root });
    loader = createFunctionsLoader({ sql: db.sql, config, logger });
    const running = loader.loadAll();
    await jobs.write("b.ts", job());
    const [one, two, three] = await Promise.all([running, loader.loadAll(), loader.loadAll()]);
    expect(two).toBe(three);
    // Whether the first sync read the folder before or after b.ts landed is a race; either way
    // the one extra sync picks up what the first missed and nothing is created twice.
    expect(one.details.created).toContain("a");
    expect([...one.details.created, ...two.details.created].sort()).toEqual(["a", "b"]);
    expect(two.details.unchanged).toContain("a");
    expect(lines.filter((l) => l.startsWith("INFO synced"))).toHaveLength(2);
  });

  it("leaves the database alone when the jobs folder does not exist", async () => {
    await syncFunctions(db.sql, {
      functions: [await upload("kept")],
      deleteMissing: false,
      dryRun: false,
      origin: "filesystem",
    });
    const config = resolveConfig({
      options: { dataDir, jobs: { dir: path.join(jobs.root, "missing") } },
      env: {},
      cwd: jobs.root,
    });
    loader = createFunctionsLoader({ sql: db.sql, config, logger });
    expect((await loader.loadAll()).summary).toMatchObject({ deleted: 0 });
    expect((await rows()).map((r) => r.name)).toEqual(["kept"]);
    expect(lines[0]).toMatch(/^WARN jobs folder .*missing does not exist/);
  });
});
