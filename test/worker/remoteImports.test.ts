/**
 * A job's remote imports are fetched once, when the function is loaded, into the server's Deno
 * cache; runs use that cache only, so a job cannot fetch code while it runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, waitForJob } from "../support/server.ts";

let modules: Server;
let server: TestServer;
let jobsDir: string;
let requests = 0;

beforeAll(async () => {
  modules = createServer((req, res) => {
    requests++;
    if (req.url === "/double.js") {
      res.writeHead(200, { "content-type": "application/javascript" });
      res.end("export const double = (n) => n * 2;\n");
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => modules.listen(0, "127.0.0.1", resolve));
  const { port } = modules.address() as AddressInfo;
  jobsDir = mkdtempSync(path.join(tmpdir(), "fluxbase-remote-jobs-"));
  writeFileSync(
    path.join(jobsDir, "doubler.ts"),
    `import { double } from "http://127.0.0.1:${port}/double.js";\nexport default (_r: Request, _f: unknown, _s: unknown, job: any) => double(job.getJobPayload().n);\n`,
  );
  server = await startTestServer({ workers: true, jobs: { dir: jobsDir, watch: false } });
});

afterAll(async () => {
  await server.stop();
  modules.close();
  rmSync(jobsDir, { recursive: true, force: true });
});

describe("remote imports", () => {
  it("are cached at load time and served from the cache at run time", async () => {
    const [fn] = await server.db.sql`select bundle_error from jobs.functions where name = 'doubler'`;
    expect(fn).toMatchObject({ bundle_error: null });
    const fetchedAtLoad = requests;
    expect(fetchedAtLoad).toBeGreaterThan(0);
    const user = await server.user();
    const res = await server.request("POST", "/api/v1/jobs/submit", {
      token: user.token,
      body: { job_name: "doubler", payload: { n: 21 } },
    });
    const job = await waitForJob(server, (await res.json()).id);
    expect(job).toMatchObject({ status: "completed", result: 42 });
    expect(requests).toBe(fetchedAtLoad);
  });
});
