/** Files dropped into, changed in, or removed from ./jobs take effect without a restart. */
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestUser, waitForJob } from "../support/server.ts";

let server: TestServer;
let user: TestUser;
let jobsDir: string;

beforeAll(async () => {
  jobsDir = mkdtempSync(path.join(tmpdir(), "fluxbase-hot-"));
  server = await startTestServer({ workers: true, jobs: { dir: jobsDir, watch: true } });
  user = await server.user();
});
afterAll(async () => {
  await server.stop();
  rmSync(jobsDir, { recursive: true, force: true });
});

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const fn = async (name: string) =>
  (
    await server.db.sql<{ version: number; timeout_seconds: number }[]>`
    select version, timeout_seconds from jobs.functions where name = ${name}`
  )[0];
const run = async (name: string) => {
  const res = await server.request("POST", "/api/v1/jobs/submit", {
    token: user.token,
    body: { job_name: name },
  });
  expect(res.status).toBe(201);
  return waitForJob(server, (await res.json()).id);
};

describe("hot reload of the jobs folder", () => {
  it("picks up an added file, a change and a removal, and keeps API-created functions", async () => {
    const apiCreated = await server.request("POST", "/api/v1/admin/jobs/functions", {
      token: server.serviceKey,
      body: { name: "from-api", code: "export default () => 'api'" },
    });
    expect(apiCreated.status).toBe(201);

    const file = path.join(jobsDir, "greet.ts");
    writeFileSync(file, "// @fluxbase:timeout 30\nexport default () => 'hello v1';\n");
    const first = await until(() => fn("greet"));
    expect(first.timeout_seconds).toBe(30);
    expect((await run("greet")).result).toBe("hello v1");

    writeFileSync(file, "// @fluxbase:timeout 40\nexport default () => 'hello v2';\n");
    const second = await until(async () =>
      ((await fn("greet"))?.version ?? 0) > first.version ? fn("greet") : undefined,
    );
    expect(second!.timeout_seconds).toBe(40);
    expect((await run("greet")).result).toBe("hello v2");

    unlinkSync(file);
    await until(async () => ((await fn("greet")) === undefined ? true : undefined));
    const gone = await server.request("POST", "/api/v1/jobs/submit", {
      token: user.token,
      body: { job_name: "greet" },
    });
    expect(gone.status).toBe(404);
    expect(await fn("from-api")).toBeDefined();
  });
});
