import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadFunctionsFromDir } from "../../server/functions/loadFunctionsFromDir.ts";
import { prepareFunctionFromSource } from "../../server/functions/prepareFunctionFromSource.ts";
import { runHandler, serveModules } from "./denoRunner.ts";
import { job, makeJobsDir, type TempJobsDir } from "./jobsDir.ts";

const jobsConfig = {
  defaultTimeout: 300,
  maxTimeout: 3600,
  defaultMaxRetries: 3,
  defaultProgressTimeout: 300,
  defaultMemory: 256,
};
let jobs: TempJobsDir | undefined;
let denoDir: string;
beforeEach(async () => {
  denoDir = await mkdtemp(path.join(tmpdir(), "fluxbase-deno-"));
});
afterEach(async () => {
  await jobs?.cleanup();
  await rm(denoDir, { recursive: true, force: true });
});

describe("loadFunctionsFromDir", () => {
  it("loads every function; a bad file is reported and does not stop the others", async () => {
    jobs = await makeJobsDir({
      "hello.ts": job("@fluxbase:description Says hello\n@fluxbase:timeout 7200\n@fluxbase:allow-net"),
      "billing/index.ts": job("@fluxbase:namespace billing\n@fluxbase:memory lots"),
      "broken.ts": "export function handler( {\n",
      "bad name.ts": job(),
    });
    const { functions, problems } = await loadFunctionsFromDir(jobs.dir, { jobs: jobsConfig, denoDir });
    expect(functions.map((f) => [f.namespace, f.name, f.sourcePath])).toEqual([
      ["billing", "billing", "billing/index.ts"],
      ["default", "broken", "broken.ts"],
      ["default", "hello", "hello.ts"],
    ]);
    const [billing, broken, hello] = functions;
    expect(hello).toMatchObject({ bundleError: null, annotationErrors: [] });
    expect(hello!.settings).toMatchObject({
      description: "Says hello",
      timeoutSeconds: 3600,
      permissions: { net: true },
    });
    expect(hello!.source).toContain("@fluxbase:description Says hello");
    expect(billing!.annotationErrors).toEqual([
      {
        file: "billing/index.ts",
        line: 3,
        message: expect.stringContaining("@fluxbase:memory: expected a whole number"),
      },
    ]);
    expect(billing!.settings.memoryMb).toBe(256);
    expect(broken).toMatchObject({
      code: null,
      codeHash: null,
      bundleError: expect.stringMatching(/^broken\.ts:2:1: /),
    });
    expect(problems).toEqual([
      { file: "bad name.ts", message: expect.stringContaining("not a valid function name") },
      { file: "hello.ts", message: expect.stringContaining("is above the server's maximum") },
    ]);
  });

  it("pre-fetches remote imports into the Deno cache, so the bundle runs --cached-only", async () => {
    const host = await serveModules({
      "/greeting.ts": ["application/typescript", 'export const greeting: string = "hi from the web";\n'],
      "/numbers.json": ["application/json", "[1, 2, 3]"],
    });
    try {
      const grant = `/** @fluxbase:allow-net ${new URL(host.url).host} */\n`;
      jobs = await makeJobsDir({
        "remote.ts": `${grant}import { greeting } from "${host.url}/greeting.ts";
import numbers from "${host.url}/numbers.json" with { type: "json" };
export async function handler() {
  return { greeting, count: numbers.length };
}
`,
        "missing.ts": `${grant}import { nothing } from "${host.url}/missing.ts";\nexport const handler = () => nothing;\n`,
      });
      // The modules are served on loopback: the operator's setting allows it.
      const ctx = { jobs: jobsConfig, denoDir, importAllowPrivate: true };
      const { functions } = await loadFunctionsFromDir(jobs.dir, ctx);
      const [missing, remote] = functions;
      expect(remote!.bundleError).toBeNull();
      expect(missing).toMatchObject({
        code: null,
        bundleError: expect.stringContaining("missing.ts: could not fetch"),
      });
      expect(missing!.bundleError).toBe(
        `missing.ts: could not fetch ${host.url}/missing.ts: error: Module not found "${host.url}/missing.ts".`,
      );

      // Served once; a second load does not ask again.
      const fetched = host.requests.length;
      await loadFunctionsFromDir(jobs.dir, ctx);
      expect(host.requests.filter((r) => r !== "/missing.ts")).toHaveLength(fetched - 1);
      await host.close();
      expect(await runHandler(remote!.code!, denoDir)).toEqual({ greeting: "hi from the web", count: 3 });
    } finally {
      await host.close().catch(() => {});
    }
  });
});

describe("prepareFunctionFromSource", () => {
  it("bundles an upload, with explicit settings over its annotations", async () => {
    const fn = await prepareFunctionFromSource(
      {
        name: "upload",
        namespace: "tools",
        code: job("@fluxbase:timeout 60\n@fluxbase:enabled false\n@fluxbase:max-retries 1"),
        overrides: { enabled: true, maxRetries: undefined },
      },
      { config: { dataDir: denoDir, jobs: { ...jobsConfig } as never } },
    );
    expect(fn).toMatchObject({
      name: "upload",
      namespace: "tools",
      bundleError: null,
      sourcePath: null,
      annotationErrors: [],
    });
    expect(fn.settings).toMatchObject({ timeoutSeconds: 60, enabled: true, maxRetries: 1 });
    expect(await runHandler(fn.code!, denoDir)).toEqual({ ok: true });
  });

  it("checks explicit settings by the annotation rules, reporting them on line 0", async () => {
    const fn = await prepareFunctionFromSource(
      {
        name: "upload",
        code: job("@fluxbase:schedule 0 3 * * *"),
        overrides: {
          schedule: "every day",
          allowNet: ["ok.example", "bad host"],
          allowEnv: [],
          allowRead: ["/data/in", "./with space"],
          requireRoles: ["admin"],
          timeout: 30,
        },
      },
      { config: { dataDir: denoDir, jobs: jobsConfig as never } },
    );
    expect(fn.annotationErrors).toEqual([
      {
        file: "upload.ts",
        line: 0,
        message: expect.stringMatching(
          /^request field for @fluxbase:schedule: expected a cron expression of 5 fields/,
        ),
      },
      {
        file: "upload.ts",
        line: 0,
        message:
          'request field for @fluxbase:allow-net: expected list items without commas or spaces, and "bad host" is not one, got ["ok.example","bad host"]',
      },
    ]);
    expect(fn.settings).toMatchObject({
      schedule: "0 3 * * *",
      timeoutSeconds: 30,
      requireRoles: ["admin"],
      permissions: { net: false, read: ["/data/in", "./with space"] },
    });
  });

  it("refuses relative imports in an upload", async () => {
    const fn = await prepareFunctionFromSource(
      { name: "upload", code: 'import { x } from "../_shared/x.ts";\nexport const handler = () => x;\n' },
      { config: { dataDir: denoDir, jobs: jobsConfig as never } },
    );
    expect(fn).toMatchObject({ namespace: "default", code: null, codeHash: null });
    expect(fn.bundleError).toContain('upload.ts:1:19: Cannot import "../_shared/x.ts"');
  });
});
