/** `fluxbase keys create|list|revoke` as a person types them, and the key they print at work. */
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
  dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-cli-keys-"));
  server = await startTestServer();
  await insertFunction(server, { name: "report", namespace: "billing" });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it(
  "creates a key that works at once, lists it without its secret, and revokes it",
  { timeout: 60_000 },
  async () => {
    const created = await fluxbase(
      "keys",
      "create",
      "--name",
      "ci",
      "--scopes",
      "jobs:read,jobs:write",
      "--namespace",
      "billing",
      "--expires",
      "90d",
    );
    expect(created.code).toBe(0);
    const lines = created.stdout.trim().split("\n");
    expect(lines[0]).toMatch(
      /^Created API key ci \(jobs:read, jobs:write, namespace billing, expires .+\)\.$/,
    );
    expect(lines[1]).toBe("Keep it now; it is not shown again:");
    const key = lines[2]!;
    expect(key).toMatch(/^fbk_/);
    const submitted = await server.request("POST", "/api/v1/jobs/submit", {
      token: key,
      body: { job_name: "report", namespace: "billing" },
    });
    expect(submitted.status).toBe(201);

    const listed = await fluxbase("keys", "list");
    expect(listed.stdout).toMatch(
      /^NAME\s+SCOPES\s+NAMESPACE\s+EXPIRES\s+LAST USED\s+STATE\nci\s+jobs:read,jobs:write\s+billing\s+\S+.*live\n$/,
    );
    expect(listed.stdout).not.toContain("fbk_");

    expect((await fluxbase("keys", "revoke", "ci")).stdout).toBe("Revoked API key ci\n");
    const refused = await server.request("GET", "/api/v1/jobs", { token: key });
    expect(refused.status).toBe(401);
    expect((await fluxbase("keys", "list", "-o", "json")).stdout).toContain('"revoked_at": "');
  },
);

it("says in one line what is wrong, and exits 1", { timeout: 60_000 }, async () => {
  const [badScope, missing, unknown] = await Promise.all([
    fluxbase("keys", "create", "--name", "x", "--scopes", "jobs:admin"),
    fluxbase("keys", "create", "--scopes", "jobs:read"),
    fluxbase("keys", "revoke", "nope"),
  ]);
  expect(badScope.stderr).toBe("fluxbase: --scopes takes jobs:read and/or jobs:write; got jobs:admin\n");
  expect(missing.stderr).toMatch(/--name/);
  expect(unknown.stderr).toBe('fluxbase: No live key named "nope" (KEY_NOT_FOUND)\n');
  for (const run of [badScope, missing, unknown]) expect(run.code).toBe(1);
});
