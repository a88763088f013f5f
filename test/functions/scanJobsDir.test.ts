import { afterEach, describe, expect, it } from "vitest";
import { scanJobsDir } from "../../server/functions/scanJobsDir.ts";
import { job, makeJobsDir, type TempJobsDir } from "./jobsDir.ts";

let jobs: TempJobsDir | undefined;
afterEach(() => jobs?.cleanup());

describe("scanJobsDir", () => {
  it("finds flat files and folder/index functions, and skips what is not a function", async () => {
    jobs = await makeJobsDir({
      "hello.ts": job(),
      "legacy.js": job(),
      "modern.mts": job(),
      "plain.mjs": job(),
      "report/index.ts": job(),
      "report/helpers.ts": "export const x = 1;\n",
      "export-csv/index.js": job(),
      "_shared/db.ts": "export const db = 1;\n",
      "_shared/index.ts": job(),
      "_private.ts": job(),
      ".hidden.ts": job(),
      ".git/config": "",
      "hello.test.ts": "",
      "hello.spec.ts": "",
      "types.d.ts": "",
      "deno.json": "{}",
      "import_map.json": "{}",
      "README.md": "# jobs\n",
      "node_modules/pkg/index.js": "",
    });
    const { functions, problems } = await scanJobsDir(jobs.dir);
    expect(problems).toEqual([]);
    expect(functions.map((f) => [f.name, f.sourcePath])).toEqual([
      ["export-csv", "export-csv/index.js"],
      ["hello", "hello.ts"],
      ["legacy", "legacy.js"],
      ["modern", "modern.mts"],
      ["plain", "plain.mjs"],
      ["report", "report/index.ts"],
    ]);
    expect(functions.find((f) => f.name === "report")!.entryPath).toBe(`${jobs.dir}/report/index.ts`);
  });

  it("reports bad names, folders without an index and two files for one name", async () => {
    jobs = await makeJobsDir({
      "send email.ts": job(),
      "lib/util.ts": "export const x = 1;\n",
      "dup.js": job(),
      "dup.ts": job(),
      "dup/index.ts": job(),
      [`${"x".repeat(129)}.ts`]: job(),
    });
    const { functions, problems } = await scanJobsDir(jobs.dir);
    expect(functions.map((f) => f.sourcePath)).toEqual(["dup.ts"]);
    expect(problems).toEqual(
      expect.arrayContaining([
        {
          file: "send email.ts",
          message: expect.stringContaining('"send email" is not a valid function name'),
        },
        { file: "lib", message: expect.stringContaining("folder has no index.ts") },
        { file: "dup.js", message: 'function "dup" is already defined by dup.ts; this file is ignored' },
        {
          file: "dup/index.ts",
          message: 'function "dup" is already defined by dup.ts; this file is ignored',
        },
        { file: `${"x".repeat(129)}.ts`, message: expect.stringContaining("is not a valid function name") },
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it("returns nothing for a folder that does not exist", async () => {
    expect(await scanJobsDir("/nonexistent/fluxbase/jobs")).toEqual({ functions: [], problems: [] });
  });
});
