/**
 * The admin view's functions panel in Chromium, against a server watching its jobs folder: a save
 * that fails to bundle shows its error on the function, with the last good version still running,
 * until a good save replaces it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/chromium.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let browser: Browser;
let jobsDir: string;

beforeAll(async () => {
  browser = await launchChromium();
  jobsDir = mkdtempSync(path.join(tmpdir(), "fluxbase-admin-fns-"));
  writeFileSync(path.join(jobsDir, "greet.ts"), "export default () => 'hello';\n");
  server = await startTestServer({ jobs: { dir: jobsDir, watch: true } });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (jobsDir) rmSync(jobsDir, { recursive: true, force: true });
});

describe("the admin view's functions panel", { timeout: 90_000 }, () => {
  it("shows a failed save's error with the last good version running, until a good save", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    try {
      await page.goto(`${server.url}/examples/admin/?token=${encodeURIComponent(server.serviceKey)}`);
      const row = page.locator('#functions-body tr[data-name="default/greet"]');
      await expect.poll(() => row.locator(".state").textContent(), { timeout: 20_000 }).toBe("ready");
      expect(await row.locator(".version").textContent()).toBe("1");

      writeFileSync(path.join(jobsDir, "greet.ts"), "export default () => { 'oops' (\n");
      // The panel reads the functions again every few seconds.
      await expect
        .poll(() => row.locator(".state").textContent(), { timeout: 30_000 })
        .toBe("bundle error: version 1 keeps running until a save bundles");
      expect(await row.locator(".bundle-error pre").textContent()).toMatch(/greet\.ts:\d+:\d+: /);

      writeFileSync(path.join(jobsDir, "greet.ts"), "export default () => 'hello again';\n");
      await expect.poll(() => row.locator(".state").textContent(), { timeout: 30_000 }).toBe("ready");
      expect(await row.locator(".version").textContent()).toBe("2");
      expect(await row.locator(".bundle-error").textContent()).toBe("");
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
