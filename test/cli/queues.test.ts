/** `fluxbase queues pause|resume|list` as a person types them, against a running server. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCli } from "../support/runCli.ts";
import { insertFunction, startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let dataDir: string;
const fluxbase = (...args: string[]) => runCli({ url: server.url, dataDir }, args);

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-cli-queues-"));
  server = await startTestServer();
  await insertFunction(server, { name: "report" });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it(
  "pauses and resumes a namespace and a function, lists them, and refuses a bad name",
  { timeout: 60_000 },
  async () => {
    expect((await fluxbase("queues", "list")).stdout).toBe("Nothing is paused.\n");
    expect((await fluxbase("queues", "pause", "billing")).stdout).toBe(
      "Paused namespace billing: its jobs wait until it is resumed\n",
    );
    expect((await fluxbase("queues", "pause", "default", "--function", "report")).stdout).toBe(
      "Paused function report (namespace default): its jobs wait until it is resumed\n",
    );
    expect((await fluxbase("queues", "list")).stdout).toMatch(
      /^NAMESPACE\s+FUNCTION\s+PAUSED\nbilling\s+\(all\)\s+\d{4}-.*\ndefault\s+report\s+\d{4}-.*\n$/,
    );
    const json = JSON.parse((await fluxbase("queues", "list", "-o", "json")).stdout);
    expect(json.map((p: { job_name: string | null }) => p.job_name)).toEqual([null, "report"]);
    expect((await fluxbase("jobs", "submit", "report")).code).toBe(0);
    expect((await fluxbase("jobs", "stats")).stdout).toMatch(/^default\s+report \(paused\)\s+1\s/m);
    expect((await fluxbase("queues", "resume", "billing")).stdout).toBe("Resumed namespace billing\n");
    expect((await fluxbase("queues", "resume", "billing")).stdout).toBe("namespace billing was not paused\n");
    const bad = await fluxbase("queues", "pause", "no way");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^fluxbase: Invalid path: namespace: .* \(VALIDATION_ERROR\)\n$/);
  },
);
