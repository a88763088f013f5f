/** `fluxbase schedules ...` as a person types it, against a running server (no workers: runs stay pending). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/runCli.ts";
import { insertFunction, startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let dataDir: string;
const fluxbase = (...args: string[]) => runCli({ url: server.url, dataDir }, args);

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-cli-schedules-"));
  server = await startTestServer();
  await insertFunction(server, { name: "report" });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("fluxbase schedules", { timeout: 60_000 }, () => {
  it("create, list, update, trigger, pause, resume and delete, by name or id", async () => {
    const created = await fluxbase(
      "schedules",
      "create",
      "nightly-report",
      "--function",
      "report",
      "--cron",
      "0 2 * * *",
      "--timezone",
      "Europe/Paris",
      "--payload",
      '{"format":"pdf"}',
      "--json",
    );
    expect(created.code).toBe(0);
    const schedule = JSON.parse(created.stdout);
    expect(schedule).toMatchObject({
      name: "nightly-report",
      job_name: "report",
      cron: "0 2 * * *",
      timezone: "Europe/Paris",
      payload: { format: "pdf" },
    });
    const list = await fluxbase("schedules", "list");
    expect(list.stdout).toMatch(
      /^ID\s+NAME\s+FUNCTION\s+CRON\s+TIMEZONE\s+STATE\s+NEXT RUN\s+LAST RUN\s+SOURCE$/m,
    );
    expect(list.stdout).toMatch(/nightly-report\s+report\s+0 2 \* \* \*\s+Europe\/Paris\s+active/);
    const updated = await fluxbase(
      "schedules",
      "update",
      "nightly-report",
      "--cron",
      "@daily",
      "--overlap",
      "allow",
    );
    expect(updated.stdout).toMatch(
      /^Updated schedule nightly-report \(.+\): report on "@daily" Europe\/Paris, next run /,
    );
    const triggered = await fluxbase("schedules", "trigger", "nightly-report", "--json");
    expect(triggered.code).toBe(0);
    const job = JSON.parse(triggered.stdout);
    expect(job).toMatchObject({ job_name: "report", status: "pending", payload: { format: "pdf" } });
    expect((await fluxbase("schedules", "pause", schedule.id)).stdout).toBe(
      `Schedule ${schedule.id} paused\n`,
    );
    expect((await fluxbase("schedules", "list", "--json")).stdout).toContain('"enabled": false');
    expect((await fluxbase("schedules", "resume", "nightly-report")).stdout).toMatch(
      /^Schedule nightly-report resumed, /,
    );
    expect((await fluxbase("schedules", "delete", "nightly-report")).stdout).toBe(
      "Schedule nightly-report deleted\n",
    );
    expect((await fluxbase("schedules", "list")).stdout).toBe("No schedules.\n");
  });

  it("says in one line what is wrong, and exits 1", async () => {
    const badCron = await fluxbase("schedules", "create", "x", "--function", "report", "--cron", "0 2 * *");
    expect(badCron.code).toBe(1);
    expect(badCron.stderr).toMatch(
      /^fluxbase: Invalid cron expression "0 2 \* \*": .*found 4 fields.* \(INVALID_CRON\)\n$/,
    );
    const noCron = await fluxbase("schedules", "create", "x", "--function", "report");
    expect(noCron).toMatchObject({
      code: 1,
      stderr: "fluxbase: give --cron, the schedule's cron expression\n",
    });
    const badJson = await fluxbase(
      "schedules",
      "create",
      "x",
      "--function",
      "report",
      "--cron",
      "@daily",
      "--payload",
      "{",
    );
    expect(badJson.code).toBe(1);
    expect(badJson.stderr).toMatch(/^fluxbase: --payload is not valid JSON/);
    const missing = await fluxbase("schedules", "pause", "nope");
    expect(missing).toMatchObject({
      code: 1,
      stderr: 'fluxbase: No schedule named "nope" in namespace "default"\n',
    });
    const overlap = await fluxbase(
      "schedules",
      "create",
      "x",
      "--function",
      "report",
      "--cron",
      "@daily",
      "--overlap",
      "queue",
    );
    expect(overlap.code).toBe(1);
    expect(overlap.stderr).toContain("Allowed choices are skip, allow");
  });
});
