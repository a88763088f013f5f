/**
 * The admin view's webhooks panel in Chromium: subscriptions with their state (a 410 disabled one
 * says why), each delivery with its attempts, and Enable bringing a disabled one back.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Receiver, startReceiver } from "../notify/receiver.ts";
import { launchChromium } from "../support/chromium.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let browser: Browser;
let receiver: Receiver;

beforeAll(async () => {
  browser = await launchChromium();
  receiver = await startReceiver();
  receiver.respond((d) => (d.path === "/gone" ? 410 : 200));
  server = await startTestServer({ workers: true, notify: { webhookAllowPrivate: true } });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await receiver?.close();
});

describe("the admin view's webhooks panel", { timeout: 90_000 }, () => {
  it("shows deliveries and attempts, a 410's reason, and re-enables", async () => {
    const create = async (path: string) => {
      const response = await server.request("POST", "/api/v1/admin/webhooks", {
        token: server.serviceKey,
        body: { url: `${receiver.url}${path}`, events: ["job.completed"] },
      });
      return ((await response.json()) as { id: string }).id;
    };
    const ok = await create("/ok");
    const gone = await create("/gone");
    await server.db.sql`insert into jobs.queue (job_name, status) values ('reported', 'completed')`;

    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    try {
      await page.goto(`${server.url}/examples/admin/?token=${encodeURIComponent(server.serviceKey)}`);
      const goneRow = page.locator(`#webhooks-body tr.webhook[data-id="${gone}"]`);
      await expect
        .poll(() => goneRow.locator(".state").textContent(), { timeout: 30_000 })
        .toBe("disabled: the receiver answered 410 GoneEnable");
      const goneAttempts = page.locator(`#webhooks-body tr[data-for="${gone}"] li.attempt`);
      await expect
        .poll(() => goneAttempts.first().textContent())
        .toMatch(/^#1: 410 in \d+ ms — the receiver answered 410$/);
      const okDelivery = page.locator(`#webhooks-body tr[data-for="${ok}"] li.delivery`);
      await expect
        .poll(() => okDelivery.first().locator("span").textContent())
        .toMatch(/^job\.completed · delivered · 1 attempt · /);
      expect(await page.locator(`#webhooks-body tr.webhook[data-id="${ok}"] .state`).textContent()).toBe(
        "enabled",
      );

      await goneRow.locator("button.enable").click();
      await expect.poll(() => goneRow.locator(".state").textContent()).toBe("enabled");
      const [row] = await server.db
        .sql`select enabled, consecutive_failures from jobs.webhooks where id = ${gone}`;
      expect(row).toEqual({ enabled: true, consecutive_failures: 0 });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("opens the job a notification mail links to (#job=<id>)", async () => {
    const [job] = await server.db.sql<{ id: string }[]>`
      insert into jobs.queue (job_name, status) values ('linked', 'completed') returning id`;
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    try {
      await page.goto(
        `${server.url}/examples/admin/?token=${encodeURIComponent(server.serviceKey)}#job=${job!.id}`,
      );
      await expect.poll(() => page.locator("#detail-id").textContent()).toBe(job!.id);
      expect(new URL(page.url()).search).toBe("");
    } finally {
      await context.close();
    }
  });
});
