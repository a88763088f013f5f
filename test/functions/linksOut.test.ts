/**
 * The loader never follows a link out of the jobs folder: a function file or a `_shared/` module
 * that is a link to a file elsewhere (say, the server's data dir) is refused, and what it points to
 * ends up neither in the stored source nor in the bundle. A link inside the folder still works.
 */
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { loadFunctionsFromDir } from "../../server/functions/loadFunctionsFromDir.ts";
import { job, makeJobsDir, type TempJobsDir } from "./jobsDir.ts";

const jobsConfig = {
  defaultTimeout: 300,
  maxTimeout: 3600,
  defaultMaxRetries: 3,
  defaultProgressTimeout: 300,
  defaultMemory: 256,
};
const SECRET = "d1e2a3d4-secret-from-the-data-dir";
let jobs: TempJobsDir;
let elsewhere: string;
let denoDir: string;

beforeEach(async () => {
  jobs = await makeJobsDir({
    "fine.ts": job(),
    "_shared/util.ts": "export const answer = 42;\n",
  });
  elsewhere = await mkdtemp(path.join(tmpdir(), "fluxbase-elsewhere-"));
  denoDir = await mkdtemp(path.join(tmpdir(), "fluxbase-deno-"));
  // Valid TypeScript on purpose: a secret that happens to parse must not be bundled either.
  await writeFile(path.join(elsewhere, "jwt_secret.ts"), `export const leaked = "${SECRET}";\n`);
});
afterEach(async () => {
  await jobs.cleanup();
  await rm(elsewhere, { recursive: true, force: true });
  await rm(denoDir, { recursive: true, force: true });
});

const load = () => loadFunctionsFromDir(jobs.dir, { jobs: jobsConfig, denoDir });

it("refuses a function file that is a link out of the jobs folder", async () => {
  await symlink(path.join(elsewhere, "jwt_secret.ts"), path.join(jobs.dir, "steal.ts"));
  const { functions, problems } = await load();
  expect(functions.map((f) => f.name)).toEqual(["fine"]);
  expect(problems).toContainEqual({
    file: "steal.ts",
    message: "is a link out of the jobs folder; it is not loaded (copy the file in instead)",
  });
  expect(JSON.stringify(functions)).not.toContain(SECRET);
});

it("does not bundle a shared module that is a link out of the jobs folder", async () => {
  await symlink(path.join(elsewhere, "jwt_secret.ts"), path.join(jobs.dir, "_shared", "config.ts"));
  await jobs.write(
    "report.ts",
    `import { leaked } from "./_shared/config.ts";\nexport async function handler() { return leaked; }\n`,
  );
  const { functions } = await load();
  const report = functions.find((f) => f.name === "report")!;
  expect(report.code).toBeNull();
  expect(report.bundleError).toMatch(
    /outside the jobs folder; a link or import leading out of it is not bundled/,
  );
  expect(JSON.stringify(functions)).not.toContain(SECRET);
});

it("does not bundle a relative import that climbs out of the jobs folder", async () => {
  const relativeToJobs = path.relative(jobs.dir, path.join(elsewhere, "jwt_secret.ts"));
  await jobs.write(
    "climb.ts",
    `import { leaked } from "./${relativeToJobs}";\nexport async function handler() { return leaked; }\n`,
  );
  const climb = (await load()).functions.find((f) => f.name === "climb")!;
  expect(climb.code).toBeNull();
  expect(climb.bundleError).toMatch(/outside the jobs folder/);
});

it("follows a link that stays inside the jobs folder", async () => {
  await symlink(path.join(jobs.dir, "_shared", "util.ts"), path.join(jobs.dir, "_shared", "alias.ts"));
  await jobs.write(
    "uses-alias.ts",
    `import { answer } from "./_shared/alias.ts";\nexport async function handler() { return answer; }\n`,
  );
  const fn = (await load()).functions.find((f) => f.name === "uses-alias")!;
  expect(fn.bundleError).toBeNull();
  expect(fn.code).toContain("42");
});
