/** `fluxbase webhooks ...` and `jobs submit --notify` as a person types them, against a running server. */
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
  dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-cli-hooks-"));
  server = await startTestServer({ workers: true, notify: { webhookAllowPrivate: true } });
  await insertFunction(server, { name: "hello" });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("fluxbase webhooks", { timeout: 60_000 }, () => {
  it("create, list, disable, enable, deliveries and delete", async () => {
    const created = await fluxbase(
      "webhooks",
      "create",
      "http://127.0.0.1:9/hook",
      "--events",
      "job.completed,job.failed",
      "--name",
      "hello",
      "--json",
    );
    expect(created.code).toBe(0);
    const hook = JSON.parse(created.stdout) as { id: string; events: string[]; job_name: string };
    expect(hook).toMatchObject({ events: ["job.completed", "job.failed"], job_name: "hello" });
    const list = await fluxbase("webhooks", "list");
    expect(list.stdout).toContain(hook.id);
    expect(list.stdout).toContain("http://127.0.0.1:9/hook");
    expect((await fluxbase("webhooks", "disable", hook.id)).stdout).toBe(`Webhook ${hook.id} disabled\n`);
    expect((await fluxbase("webhooks", "enable", hook.id)).stdout).toBe(`Webhook ${hook.id} enabled\n`);
    await server.db.sql`insert into jobs.queue (job_name, status) values ('hello', 'completed')`;
    await expect
      .poll(
        async () =>
          JSON.parse((await fluxbase("webhooks", "deliveries", hook.id, "--json")).stdout)[0]?.attempts,
        {
          timeout: 20_000,
        },
      )
      .toBeGreaterThanOrEqual(1);
    const deliveries = await fluxbase("webhooks", "deliveries", hook.id);
    expect(deliveries.stdout).toMatch(/job\.completed/);
    expect((await fluxbase("webhooks", "delete", hook.id)).stdout).toBe(`Webhook ${hook.id} deleted\n`);
    expect((await fluxbase("webhooks", "list")).stdout).toBe("No webhooks.\n");
  });

  it("says in one line why a target is refused, and exits 1", async () => {
    const run = await fluxbase("webhooks", "create", "http://169.254.169.254/", "--events", "job.failed");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/WEBHOOK_TARGET_REFUSED|link-local/);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("jobs submit --notify is refused on a server without mail", async () => {
    const run = await fluxbase("jobs", "submit", "hello", "--notify");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/NOTIFY_UNAVAILABLE|FLUXBASE_SMTP_URL/);
  });
});
