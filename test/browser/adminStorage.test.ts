/** The admin view's storage panel in Chromium: every bucket with its access, objects, size and limits. */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../sdk/src/index.ts";
import { launchChromium } from "../support/chromium.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  server = await startTestServer();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("the admin view's storage panel", { timeout: 90_000 }, () => {
  it("lists the buckets with what they hold", async () => {
    const service = createClient(server.url, server.serviceKey);
    await service.storage.createBucket("avatars", {
      public: true,
      fileSizeLimit: "1MB",
      allowedMimeTypes: ["image/*"],
    });
    await service.storage.createBucket("reports");
    await service.storage.from("reports").upload("a.txt", "x".repeat(2048));
    await service.storage.from("reports").upload("b/<img src=x onerror=alert(1)>.txt", "12");

    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("dialog", (dialog) => problems.push(`dialog: ${dialog.message()}`));
    try {
      await page.goto(`${server.url}/examples/admin/?token=${encodeURIComponent(server.serviceKey)}`);
      const rows = page.locator("#buckets-body tr.bucket");
      await expect.poll(() => rows.count()).toBe(2);
      const cells = async (id: string) =>
        page.locator(`#buckets-body tr[data-id="${id}"]`).locator("th, td").allTextContents();
      expect(await cells("avatars")).toEqual(["avatars", "public", "0", "0 B", "≤ 1.0 MB · image/*"]);
      expect(await cells("reports")).toEqual([
        "reports",
        "private",
        "2",
        "2.0 KB",
        "server limit · any type",
      ]);
      expect(await page.locator("#buckets-empty").isHidden()).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("is for operators: a user's token gets 403 from the endpoint", async () => {
    const user = await server.user();
    const { error } = await createClient(server.url, user.token).admin.storage.buckets();
    expect(error).toMatchObject({ status: 403, code: "ADMIN_REQUIRED" });
  });
});
