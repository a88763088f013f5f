/** `fluxbase toggles ...` as a person types them, against a running server. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineToggle } from "../../server/index.ts";
import { runCli } from "../support/runCli.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let dataDir: string;
const fluxbase = (...args: string[]) => runCli({ url: server.url, dataDir }, args);

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-cli-toggles-"));
  server = await startTestServer({
    toggles: [defineToggle({ id: "new-billing", default: false, description: "The v2 pipeline" })],
  });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("fluxbase toggles", { timeout: 60_000 }, () => {
  it("list, set, set-tenant, get, history, unset-tenant and unset", async () => {
    expect((await fluxbase("toggles", "list")).stdout).toBe(
      "ID           VALUE          ROLLOUT  OVERRIDES  DESCRIPTION\n" +
        "new-billing  off (default)  -        0          The v2 pipeline\n",
    );
    expect((await fluxbase("toggles", "set", "new-billing", "off", "--rollout", "10")).stdout).toBe(
      "Toggle new-billing: off (set), on for 10% of tenants\n",
    );
    expect((await fluxbase("toggles", "set-tenant", "new-billing", "acme", "on")).stdout).toBe(
      "Toggle new-billing on for tenant acme\n",
    );
    const get = await fluxbase("toggles", "get", "new-billing", "--tenant", "acme");
    expect(get.stdout).toMatch(
      /^new-billing: off \(set\), on for 10% of tenants\nThe v2 pipeline\nfor tenant acme: on\nTENANT\s+VALUE\s+UPDATED\nacme\s+on\s+\d{4}-/,
    );
    const json = JSON.parse((await fluxbase("toggles", "get", "new-billing", "--json")).stdout);
    expect(json).toMatchObject({ id: "new-billing", enabled: false, rollout_percent: 10, declared: true });
    const history = await fluxbase("toggles", "history", "new-billing");
    expect(history.stdout.split("\n")[0]).toMatch(/^AT\s+TENANT\s+ACTION\s+OLD\s+NEW\s+BY$/);
    expect(history.stdout).toMatch(/acme\s+insert\s+-\s+\{"enabled":true\}\s+service_role/);
    expect((await fluxbase("toggles", "unset-tenant", "new-billing", "acme")).stdout).toBe(
      "Toggle new-billing: tenant acme follows the platform value again\n",
    );
    expect((await fluxbase("toggles", "unset", "new-billing")).stdout).toBe(
      "Toggle new-billing back to its default\n",
    );
    expect((await fluxbase("toggles", "set", "made-here", "on")).code).toBe(0);
    expect((await fluxbase("toggles", "unset", "made-here")).stdout).toBe("Toggle made-here deleted\n");
  });

  it("says in one line what is wrong, and exits 1", async () => {
    for (const [args, message] of [
      [["toggles", "set", "new-billing", "maybe"], /expected on or off or default, got "maybe"/],
      [["toggles", "set", "new-billing"], /say what to set/],
      [["toggles", "set", "new-billing", "--rollout", "200"], /VALIDATION_ERROR/],
      [["toggles", "set-tenant", "nope", "acme", "on"], /TOGGLE_NOT_FOUND/],
      [["toggles", "unset-tenant", "new-billing", "nobody"], /OVERRIDE_NOT_FOUND/],
    ] as const) {
      const run = await fluxbase(...args);
      expect(run.code, args.join(" ")).toBe(1);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
    }
  });
});
