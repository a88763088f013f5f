/**
 * The dashboard at /admin in Chromium, as an operator uses it: sign in with the service key (kept
 * across a reload), read the overview, find and open jobs, retry and cancel (one and in bulk), pause
 * and run functions, trigger and pause schedules, pause a namespace; every page at phone width
 * without horizontal scrolling and without serious accessibility violations (axe-core). Screenshots
 * of every page are kept in test-artifacts/dashboard/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type FluxbaseClient } from "../../sdk/src/index.ts";
import { launchChromium } from "../support/chromium.ts";
import { startTestServer, type TestServer, waitForJob } from "../support/server.ts";

const artifacts = path.resolve("test-artifacts/dashboard");
const pages = [
  "overview",
  "jobs",
  "functions",
  "schedules",
  "queues",
  "workers",
  "webhooks",
  "storage",
  "secrets",
  "keys",
  "api",
];
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let server: TestServer;
let browser: Browser;
let service: FluxbaseClient;
let jobsDir: string;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  jobsDir = mkdtempSync(path.join(tmpdir(), "fluxbase-dashboard-"));
  writeFileSync(path.join(jobsDir, "ok.ts"), "export default () => ({ fine: true });\n");
  writeFileSync(
    path.join(jobsDir, "broken.ts"),
    '/**\n * @fluxbase:max-retries 0\n */\nexport default () => { throw new Error("<b>broken</b> on purpose"); };\n',
  );
  writeFileSync(
    path.join(jobsDir, "chatty.ts"),
    "export default async () => {\n  for (const word of ['one', 'two', 'three']) {\n    console.log(word);\n    await new Promise((r) => setTimeout(r, 1500));\n  }\n};\n",
  );
  writeFileSync(
    path.join(jobsDir, "nightly.ts"),
    "/**\n * @fluxbase:schedule 0 3 * * *\n * @fluxbase:concurrency 2\n */\nexport default () => 1;\n",
  );
  browser = await launchChromium();
  server = await startTestServer({ workers: true, jobs: { dir: jobsDir } });
  service = createClient(server.url, server.serviceKey);
  await service.storage.createBucket("uploads");
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(jobsDir, { recursive: true, force: true });
});

async function signedInPage(options: { width?: number; bypassCSP?: boolean } = {}) {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: 900 },
    bypassCSP: options.bypassCSP ?? false,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("dialog", (dialog) => problems.push(`dialog: ${dialog.message()}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  await page.goto(`${server.url}/admin/`);
  await page.fill("#token", server.serviceKey);
  await page.click("button[type=submit]");
  await page.waitForSelector("#overview-title");
  return { page, problems, close: () => context.close() };
}

async function submit(name: string, payload: Record<string, unknown> = {}) {
  const { data, error } = await service.jobs.submit(name, payload);
  expect(error).toBeNull();
  return data!.id;
}

const go = (page: Page, route: string) =>
  page.evaluate((r) => {
    location.hash = r;
  }, route);

describe("the dashboard", { timeout: 120_000 }, () => {
  it("refuses a token that is not an admin's and says why", async () => {
    const user = await server.user();
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/admin/`);
    await page.fill("#token", user.token);
    await page.click("button[type=submit]");
    await expect
      .poll(() => page.locator("[role=alert]").textContent())
      .toBe("This token may not use the admin API. Sign in with an admin's token or the service key.");
    await context.close();
  });

  it("shows the overview, and keeps the sign-in across a reload", async () => {
    const done = await submit("ok");
    const failed = await submit("broken", { note: "<img src=x onerror=alert(1)>" });
    await waitForJob(server, done);
    await waitForJob(server, failed);
    const { page, problems, close } = await signedInPage();
    try {
      const card = (status: string) => page.locator(`.card[data-status=${status}] strong`);
      await expect.poll(() => card("completed").textContent()).toBe("1");
      expect(await card("failed").textContent()).toBe("1");
      expect(await page.locator(".chart canvas").count()).toBe(2);
      expect(await page.locator("figcaption").first().textContent()).toBe("Last hour, per minute — 2 ended");
      expect(await page.locator("[data-card=slots] strong").textContent()).toMatch(/^0\/\d+$/);
      await page.reload();
      await page.waitForSelector("#overview-title");
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it("finds jobs, opens one as text, retries it, and cancels in bulk", async () => {
    const pending = [await submit("ok"), await submit("ok")];
    await service.admin.jobs.pause({ namespace: "default", jobName: "ok" });
    const held = [await submit("ok"), await submit("ok")];
    const { page, problems, close } = await signedInPage();
    try {
      await go(page, "#/jobs?status=failed");
      const row = page.locator("tr.job").first();
      await row.click();
      await page.waitForSelector("#job-title");
      expect(await page.locator("[data-field=status]").textContent()).toBe("failed");
      expect(await page.locator("[data-field=error]").textContent()).toContain("<b>broken</b> on purpose");
      expect(await page.locator("[data-field=payload]").textContent()).toContain(
        "<img src=x onerror=alert(1)>",
      );
      expect(await page.locator("pre img, pre b").count()).toBe(0);
      expect(await page.locator(".actions button").allTextContents()).toEqual(["retry", "resubmit"]);
      expect(await page.locator("tr.attempt").count()).toBe(1);
      await page.click("button[data-action=retry]");
      await expect.poll(() => page.locator(".message").textContent()).toBe("retry: done");
      // It runs again (and, being broken, fails again): a second attempt appears.
      await expect.poll(() => page.locator("tr.attempt").count(), { timeout: 15_000 }).toBe(2);

      await go(page, "#/jobs?status=pending");
      await expect.poll(() => page.locator("tr.job").count()).toBeGreaterThanOrEqual(2);
      for (const id of held) await page.check(`tr.job[data-id="${id}"] input[type=checkbox]`);
      await page.click("text=cancel selected");
      await expect.poll(() => page.locator(".message").textContent()).toBe("cancel: 2 cancelled");
      for (const id of held) expect((await service.admin.jobs.getJob(id)).data?.status).toBe("cancelled");
      await page.fill("input[name=search]", pending[0]!);
      await expect.poll(() => page.locator("tr.job").count()).toBe(1);
      expect(problems).toEqual([]);
    } finally {
      await service.admin.jobs.resume({ namespace: "default", jobName: "ok" });
      await close();
    }
  });

  it("orders jobs oldest first, and follows a running job's log lines as they are written", async () => {
    const { page, problems, close } = await signedInPage();
    try {
      await go(page, "#/jobs");
      await page.selectOption("select[name=order]", "oldest");
      const first = await service.admin.jobs.listJobs({ order: "oldest", limit: 1 });
      await expect
        .poll(() => page.locator("tr.job").first().getAttribute("data-id"))
        .toBe(first.data![0]!.id);
      const id = await submit("chatty");
      await go(page, `#/jobs/${id}`);
      await expect
        .poll(() => page.locator("[data-field=logs]").textContent(), { timeout: 8_000 })
        .toContain("two");
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it("pauses a function and runs one now; triggers and pauses a schedule; pauses a namespace", async () => {
    const { page, problems, close } = await signedInPage();
    try {
      await go(page, "#/functions");
      const fn = page.locator('tr.function[data-name="nightly"]');
      await fn.locator("button[data-action=pause]").click();
      await expect.poll(() => fn.locator(".state").textContent()).toContain("paused");
      await fn.locator("button[data-action=pause]").click();
      await expect.poll(() => fn.locator(".state").textContent()).not.toContain("paused");
      await page.locator('tr.function[data-name="ok"] button[data-action=open]').click();
      await page.fill("textarea[name=payload]", '{"from": "dashboard"}');
      await page.click("text=Run now");
      await page.waitForSelector("#job-title");
      await expect.poll(() => page.locator("[data-field=status]").textContent()).toBe("completed");
      expect(await page.locator("[data-field=payload]").textContent()).toContain('"from": "dashboard"');

      await go(page, "#/schedules");
      const schedule = page.locator("tr.schedule").first();
      await schedule.locator("button[data-action=trigger]").click();
      await expect.poll(() => page.locator(".message").textContent()).toMatch(/: started job [0-9a-f-]{36}$/);
      await schedule.locator("button[data-action=pause]").click();
      await expect.poll(() => schedule.locator(".state").textContent()).toBe("paused");
      await page.click("summary");
      await page.fill(".schedule-form input[name=name]", "hourly-ok");
      await page.fill(".schedule-form input[name=job_name]", "ok");
      await page.fill(".schedule-form input[name=cron]", "@hourly");
      await page.click("text=Create schedule");
      const created = page.locator('tr.schedule[data-name="hourly-ok"]');
      await expect.poll(() => created.count()).toBe(1);
      await created.locator("button[data-action=edit]").click();
      await page.fill("tr.details input[name=cron]", "*/5 * * * *");
      await page.click("tr.details >> text=Save");
      await expect.poll(() => created.locator("td code").textContent()).toBe("*/5 * * * *");

      await go(page, "#/queues");
      const queue = page.locator('tr.queue[data-namespace="default"]');
      await expect.poll(() => queue.locator(".caps").textContent()).toBe("nightly ≤ 2");
      await queue.locator("button[data-action=pause]").click();
      await expect.poll(() => queue.locator(".state").textContent()).toBe("paused");
      const paused = (await service.admin.jobs.listPaused()).data ?? [];
      expect(paused.some((p) => p.namespace === "default" && p.job_name === null)).toBe(true);
      await queue.locator("button[data-action=pause]").click();
      await expect.poll(() => queue.locator(".state").textContent()).toBe("running");
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it("lists secrets by name only, creates and revokes an API key, and shows the API", async () => {
    const put = await server.request("PUT", "/api/v1/admin/secrets/stripe_key", {
      token: server.serviceKey,
      body: { value: "sk_live_never_shown" },
    });
    expect(put.status).toBeLessThan(300);
    const { page, problems, close } = await signedInPage();
    try {
      await go(page, "#/secrets");
      await expect.poll(() => page.locator('tr.secret[data-name="stripe_key"]').count()).toBe(1);
      expect(await page.content()).not.toContain("sk_live_never_shown");

      await go(page, "#/keys");
      await page.fill("input[name=name]", "ci");
      await page.check('input[name="jobs:write"]');
      await page.click("text=Create key");
      const key = await page.locator(".new-key").textContent();
      expect(key).toMatch(/^fbk_/);
      const listed = await fetch(`${server.url}/api/v1/jobs`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(listed.status).toBe(200);
      const row = page.locator('tr.key[data-name="ci"]');
      await row.locator("button[data-action=revoke]").click();
      await expect.poll(() => row.locator(".state").textContent()).toBe("revoked");
      const refused = await fetch(`${server.url}/api/v1/jobs`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(refused.status).toBe(401);

      await go(page, "#/api");
      await expect.poll(() => page.locator("li.operation").count()).toBeGreaterThan(60);
      expect(await page.locator("li.operation code").allTextContents()).toContain(
        "GET /api/v1/admin/jobs/stats/timeline",
      );
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it("fits a phone without horizontal scrolling, passes axe-core, and is screenshotted", async () => {
    const { page, problems, close } = await signedInPage({ width: 375, bypassCSP: true });
    try {
      for (const name of pages) {
        await go(page, `#/${name}`);
        await page.waitForSelector(`#${name}-title`);
        await page.waitForTimeout(300);
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        expect(overflow, `${name} scrolls sideways by ${overflow}px`).toBeLessThanOrEqual(0);
        await page.evaluate(axeSource);
        const violations = await page.evaluate(async () => {
          const result = await (window as any).axe.run(document, { resultTypes: ["violations"] });
          return result.violations
            .filter((v: any) => v.impact === "serious" || v.impact === "critical")
            .map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(" ")).join(", ")}`);
        });
        expect(violations, name).toEqual([]);
        await page.screenshot({ path: path.join(artifacts, `${name}-phone.png`), fullPage: true });
      }
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
    const wide = await signedInPage();
    for (const name of pages) {
      await go(wide.page, `#/${name}`);
      await wide.page.waitForSelector(`#${name}-title`);
      await wide.page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
    }
    await wide.close();
  });
});
