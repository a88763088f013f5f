/** `fluxbase events emit|list` against a running server with a listening function. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCli } from "../support/runCli.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let dataDir: string;
const fluxbase = (...args: string[]) => runCli({ url: server.url, dataDir }, args);

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-cli-events-"));
  server = await startTestServer();
  const upload = await server.request("POST", "/api/v1/admin/jobs/functions", {
    token: server.serviceKey,
    body: { name: "on-incident", code: "// @fluxbase:on incident:created\nexport default async () => 1;\n" },
  });
  expect(upload.status).toBe(201);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it(
  "emits an event that starts the listening function, lists it, and explains bad input",
  { timeout: 60_000 },
  async () => {
    const emitted = await fluxbase("events", "emit", "incident:created", "--payload", '{"id": 42}');
    expect(emitted.code).toBe(0);
    expect(emitted.stdout).toMatch(
      /^Emitted incident:created \([0-9a-f-]{36}\): started on-incident [0-9a-f-]{36}\n$/,
    );
    const quiet = await fluxbase("events", "emit", "nobody:listens");
    expect(quiet.stdout).toMatch(/no job listens to it\n$/);
    const listed = await fluxbase("events", "list", "--name", "incident:created");
    expect(listed.stdout).toMatch(
      /^TIME\s+NAME\s+SOURCE\s+JOBS\n\S+.*incident:created\s+api\s+on-incident\n$/,
    );
    const [bad, badPayload] = await Promise.all([
      fluxbase("events", "emit", "no spaces here"),
      fluxbase("events", "emit", "x", "--payload", "[1]"),
    ]);
    expect(bad.stderr).toMatch(/^fluxbase: An event name is .* \(INVALID_EVENT_NAME\)\n$/);
    expect(badPayload.code).toBe(1);
    expect(bad.code).toBe(1);
  },
);
