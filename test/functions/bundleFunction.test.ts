import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { bundleFunction } from "../../server/functions/bundleFunction.ts";
import { readImportMap } from "../../server/functions/importMap.ts";
import { runHandler } from "./denoRunner.ts";
import { makeJobsDir, type TempJobsDir } from "./jobsDir.ts";

let jobs: TempJobsDir | undefined;
let denoDir: string;
beforeAll(async () => {
  denoDir = await mkdtemp(path.join(tmpdir(), "fluxbase-deno-"));
  return () => rm(denoDir, { recursive: true, force: true });
});
afterEach(() => jobs?.cleanup());

const bundle = async (entry: string) => {
  const { map, problems } = await readImportMap(jobs!.dir);
  expect(problems).toEqual([]);
  return bundleFunction({ entryPath: path.join(jobs!.dir, entry) }, { jobsDir: jobs!.dir, importMap: map });
};

describe("bundleFunction", () => {
  it("inlines relative imports and _shared/, so the bundle runs without the jobs folder", async () => {
    jobs = await makeJobsDir({
      "report/index.ts": `import { greet } from "../_shared/greet.ts";
import { rows } from "./rows.ts";
export async function handler(req: Request): Promise<{ text: string }> {
  const name = new URL(req.url).searchParams.get("name") ?? "world";
  return { text: \`\${greet(name)} (\${rows.length} rows)\` };
}
`,
      "report/rows.ts": "export const rows: number[] = [1, 2, 3];\n",
      "_shared/greet.ts": 'export const greet = (name: string): string => "Hello, " + name + "!";\n',
    });
    const result = await bundle("report/index.ts");
    expect(result.error).toBeUndefined();
    expect(result.remoteImports).toEqual([]);
    expect(result.hash).toBe(createHash("sha256").update(result.code!).digest("hex"));
    expect(result.code).toContain("// _shared/greet.ts");
    expect(result.code).not.toContain(jobs.dir); // paths in the bundle are relative to the jobs folder
    await jobs.cleanup();
    expect(await runHandler(result.code!, denoDir, "http://job.local/?name=Ada")).toEqual({
      text: "Hello, Ada! (3 rows)",
    });
  });

  it("gives the same hash for the same code in another folder", async () => {
    const files = {
      "a.ts": 'import { x } from "./_shared/x.ts";\nexport const handler = () => x;\n',
      "_shared/x.ts": "export const x = 1;\n",
    };
    jobs = await makeJobsDir(files);
    const first = await bundle("a.ts");
    await jobs.cleanup();
    jobs = await makeJobsDir(files);
    const second = await bundle("a.ts");
    expect(second.hash).toBe(first.hash);
  });

  it("honours the import map of deno.json and import_map.json", async () => {
    jobs = await makeJobsDir({
      "deno.json": `{
  // Comments and trailing commas, as Deno allows.
  "importMap": "./import_map.json",
  "imports": {
    "@app/format": "./_shared/format.ts",
    "zod": "npm:zod@3.23.8",
  },
}`,
      "import_map.json": JSON.stringify({
        imports: { "lib/": "./_shared/lib/", "std/": "https://deno.land/std@0.224.0/" },
      }),
      "_shared/format.ts": "export const format = (n: number): string => n.toFixed(2);\n",
      "_shared/lib/sum.ts": "export const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);\n",
      "mapped.ts": `import { format } from "@app/format";
import { sum } from "lib/sum.ts";
export function handler() {
  return { total: format(sum([1, 2.5])) };
}
`,
      "remote.ts": `import { z } from "zod";
import { join } from "std/path/mod.ts";
export function handler() {
  return z.string().parse(join("a", "b"));
}
`,
    });
    const mapped = await bundle("mapped.ts");
    expect(mapped.error).toBeUndefined();
    expect(await runHandler(mapped.code!, denoDir)).toEqual({ total: "3.50" });

    const remote = await bundle("remote.ts");
    expect(remote.error).toBeUndefined();
    expect(remote.code).toContain('from "npm:zod@3.23.8"');
    expect(remote.code).toContain('from "https://deno.land/std@0.224.0/path/mod.ts"');
    expect(remote.remoteImports).toEqual([
      { specifier: "npm:zod@3.23.8" },
      { specifier: "https://deno.land/std@0.224.0/path/mod.ts" },
    ]);
  });

  it("keeps npm:, jsr:, https: and node: imports external, with their import attributes", async () => {
    jobs = await makeJobsDir({
      "ext.ts": `import chalk from "npm:chalk@5.3.0";
import { join } from "jsr:@std/path@1";
import config from "https://example.com/config.json" with { type: "json" };
import { readFile } from "node:fs/promises";
export async function handler() {
  const { camelCase } = await import("npm:lodash-es@4.17.21");
  return [chalk, join, config, readFile, camelCase].length;
}
`,
    });
    const result = await bundle("ext.ts");
    expect(result.error).toBeUndefined();
    for (const spec of [
      "npm:chalk@5.3.0",
      "jsr:@std/path@1",
      "https://example.com/config.json",
      "node:fs/promises",
    ]) {
      expect(result.code).toContain(`"${spec}"`);
    }
    expect(result.code).toContain('from "https://example.com/config.json" with { type: "json" }');
    expect(result.remoteImports).toEqual([
      { specifier: "npm:chalk@5.3.0" },
      { specifier: "jsr:@std/path@1" },
      { specifier: "https://example.com/config.json", type: "json" },
      { specifier: "npm:lodash-es@4.17.21" },
    ]);
  });

  it("reports a syntax error with file and line, without throwing", async () => {
    jobs = await makeJobsDir({
      "broken.ts": 'import { helper } from "./_shared/helper.ts";\nexport const handler = () => helper();\n',
      "_shared/helper.ts": "export function helper() {\n  const x = ;\n  return x;\n}\n",
    });
    const result = await bundle("broken.ts");
    expect(result).toMatchObject({ code: null, hash: null, error: '_shared/helper.ts:2:13: Unexpected ";"' });
  });

  it("explains imports it cannot resolve, and a missing handler", async () => {
    jobs = await makeJobsDir({
      "bare.ts": 'import _ from "lodash";\nexport const handler = () => _;\n',
      "missing.ts": 'import { x } from "./nope.ts";\nexport const handler = () => x;\n',
      "nohandler.ts": "export function run() {}\nexport const x = 1;\n",
      "main.ts": "export function main() {}\n",
      "default.ts": "export default async function () {}\n",
    });
    expect((await bundle("bare.ts")).error).toBe(
      'bare.ts:1:15: Cannot resolve "lodash": a bare import needs an entry in the jobs folder\'s deno.json "imports" (or use an npm:, jsr: or https: specifier)',
    );
    expect((await bundle("missing.ts")).error).toBe('missing.ts:1:19: Could not resolve "./nope.ts"');
    expect((await bundle("nohandler.ts")).error).toBe(
      'nohandler.ts: no exported handler; expected `export async function handler(req, fluxbase, fluxbaseService, job)` (or a default export, or main), found "run", "x"',
    );
    expect((await bundle("main.ts")).error).toBeUndefined();
    expect((await bundle("default.ts")).error).toBeUndefined();
  });

  it("bundles an upload as one file: remote imports allowed, local ones refused", async () => {
    const ok = await bundleFunction({
      name: "upload",
      source: 'import { z } from "npm:zod@3.23.8";\nexport async function handler() { return z.string(); }\n',
    });
    expect(ok.error).toBeUndefined();
    expect(ok.remoteImports).toEqual([{ specifier: "npm:zod@3.23.8" }]);

    for (const spec of ["./secrets.json", "/etc/hostname", "file:///etc/hostname"]) {
      const refused = await bundleFunction({
        name: "upload",
        source: `import s from "${spec}";\nexport const handler = () => s;\n`,
      });
      expect(refused.code).toBeNull();
      expect(refused.error).toContain(
        `upload.ts:1:15: Cannot import "${spec}": an uploaded function is a single file`,
      );
    }
  });
});
