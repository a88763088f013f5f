/**
 * A job's remote imports are fetched once, when the function is loaded, into the server's Deno
 * cache; runs use that cache only, so a job cannot fetch code while it runs. Fetching at load time
 * obeys the function's network permission: a URL import needs its host in `@fluxbase:allow-net`,
 * loopback and private addresses need the operator's FLUXBASE_JOBS_IMPORT_ALLOW_PRIVATE, and
 * imported modules may only pull in more code from those same hosts.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, waitForJob } from "../support/server.ts";

const INTERNAL = { secret: "internal-only-7c1d" };
let modules: Server;
let internal: Server;
let server: TestServer;
let strict: TestServer;
let jobsDir: string;
let requests = 0;
let internalHits = 0;

const listen = async (srv: Server) => {
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  return (srv.address() as AddressInfo).port;
};

beforeAll(async () => {
  internal = createServer((_req, res) => {
    internalHits++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(INTERNAL));
  });
  const internalPort = await listen(internal);
  modules = createServer((req, res) => {
    requests++;
    if (req.url === "/double.js") {
      res.writeHead(200, { "content-type": "application/javascript" });
      res.end("export const double = (n) => n * 2;\n");
    } else if (req.url === "/relay.js") {
      // A module on an allowed host that pulls in code from a host the function did not name.
      res.writeHead(200, { "content-type": "application/javascript" });
      res.end(
        `export { default } from "http://localhost:${internalPort}/internal.json" with { type: "json" };\n`,
      );
    } else {
      res.writeHead(404).end();
    }
  });
  const port = await listen(modules);
  jobsDir = mkdtempSync(path.join(tmpdir(), "fluxbase-remote-jobs-"));
  const write = (file: string, text: string) => writeFileSync(path.join(jobsDir, file), text);
  write(
    "doubler.ts",
    `/** @fluxbase:allow-net 127.0.0.1:${port} */\nimport { double } from "http://127.0.0.1:${port}/double.js";\nexport default (_r: Request, _f: unknown, _s: unknown, job: any) => double(job.getJobPayload().n);\n`,
  );
  write(
    "no-grant.ts",
    `import data from "http://127.0.0.1:${internalPort}/internal.json" with { type: "json" };\nexport default () => data;\n`,
  );
  write(
    "relayed.ts",
    `/** @fluxbase:allow-net 127.0.0.1:${port} */\nimport data from "http://127.0.0.1:${port}/relay.js";\nexport default () => data;\n`,
  );
  server = await startTestServer({
    workers: true,
    jobs: { dir: jobsDir, watch: false, importAllowPrivate: true },
  });
  // The same folder on a server whose operator did not allow private addresses.
  strict = await startTestServer({ jobs: { dir: jobsDir, watch: false } });
});

afterAll(async () => {
  await server?.stop();
  await strict?.stop();
  modules.close();
  internal.close();
  rmSync(jobsDir, { recursive: true, force: true });
});

const bundleError = async (srv: TestServer, name: string) =>
  (await srv.db.sql`select bundle_error from jobs.functions where name = ${name}`)[0]?.bundle_error as
    | string
    | null;

describe("remote imports", () => {
  it("are cached at load time and served from the cache at run time", async () => {
    expect(await bundleError(server, "doubler")).toBeNull();
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

  it("are refused from a host the function may not reach", async () => {
    expect(await bundleError(server, "no-grant")).toMatch(
      /^no-grant\.ts: cannot import http:\/\/127\.0\.0\.1:\d+\/internal\.json: add `@fluxbase:allow-net 127\.0\.0\.1:\d+`/,
    );
    expect(internalHits).toBe(0);
  });

  it("never let an allowed module pull in code from another host", async () => {
    expect(await bundleError(server, "relayed")).toMatch(/^relayed\.ts: could not fetch .*relay\.js/);
    expect(internalHits).toBe(0);
    const [row] = await server.db.sql`select code from jobs.functions where name = 'relayed'`;
    expect(JSON.stringify(row ?? {})).not.toContain(INTERNAL.secret);
  });

  it("are refused from loopback and private addresses unless the operator allows them", async () => {
    expect(await bundleError(strict, "doubler")).toMatch(
      /cannot import http:\/\/127\.0\.0\.1:\d+\/double\.js: 127\.0\.0\.1 is a loopback or private address \(set FLUXBASE_JOBS_IMPORT_ALLOW_PRIVATE=true to allow\)/,
    );
  });

  it("apply to uploaded functions too", async () => {
    const { port } = internal.address() as AddressInfo;
    const res = await server.request("POST", "/api/v1/admin/jobs/functions", {
      token: server.serviceKey,
      body: {
        name: "uploaded-import",
        code: `import data from "http://127.0.0.1:${port}/internal.json" with { type: "json" };\nexport default () => data;\n`,
      },
    });
    const body = await res.json();
    expect(JSON.stringify(body)).not.toContain(INTERNAL.secret);
    expect(JSON.stringify(body)).toMatch(
      /cannot import http:\/\/127\.0\.0\.1:\d+\/internal\.json: add `@fluxbase:allow-net/,
    );
    expect(internalHits).toBe(0);
  });
});
