/**
 * The admin pages against a slow server: a proxy holds every answer (400 ms for the example page,
 * 1.2 s for the dashboard). While a job reports progress ten times a second, and every change asks
 * the page to read again, each page keeps one read of a kind in flight instead of piling them up in
 * the browser's six connections per origin, so an operator's Cancel is sent and answered behind a
 * bounded queue. Before, the dashboard's job page had 27 requests out after six seconds, and rising.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it, onTestFinished } from "vitest";
import { launchChromium } from "../support/chromium.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { startSlowProxy } from "../support/slowProxy.ts";

// The kinds of read the page makes (queue, statistics, workers, functions, namespaces, job, logs,
// attempts, webhooks and their deliveries, buckets), each at most once at a time.
const MOST_IN_FLIGHT = 12;

const stepsJob = `/**
 * @fluxbase:timeout 120
 * @fluxbase:max-retries 0
 */
export async function handler(_req, _fluxbase, _service, job) {
  for (let i = 1; i <= 300; i++) {
    if (job.checkCancellation()) return { stopped_at: i };
    await new Promise((resolve) => setTimeout(resolve, 100));
    job.reportProgress(Math.round(i / 3), "Step " + i);
  }
}
`;

let server: TestServer;
let browser: Browser;
let jobsDir: string;

beforeAll(async () => {
  jobsDir = mkdtempSync(path.join(tmpdir(), "fluxbase-admin-slow-"));
  writeFileSync(path.join(jobsDir, "steps.ts"), stepsJob);
  server = await startTestServer({ workers: true, jobs: { dir: jobsDir, watch: false } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (jobsDir) rmSync(jobsDir, { recursive: true, force: true });
});

/** Counts the page's requests that have been sent and not yet answered; `most()` since the last `reset()`. */
function countInFlight(page: Page) {
  let inFlight = 0;
  let most = 0;
  page.on("request", () => {
    inFlight += 1;
    most = Math.max(most, inFlight);
  });
  const settled = () => {
    inFlight -= 1;
  };
  page.on("requestfinished", settled);
  page.on("requestfailed", settled);
  return {
    reset: () => {
      most = inFlight;
    },
    most: () => most,
  };
}

/** Once `statusSelector` shows the job running, the most requests out at once over six seconds. */
async function mostWhileRunning(
  page: Page,
  reads: ReturnType<typeof countInFlight>,
  statusSelector: string,
  label: string,
): Promise<number> {
  await page.waitForFunction(
    (selector) => document.querySelector(selector)?.textContent === "running",
    statusSelector,
    { timeout: 20_000 },
  );
  reads.reset();
  await page.waitForTimeout(6_000);
  console.log(`${label}: most reads in flight over 6 s: ${reads.most()}`);
  return reads.most();
}

async function submitSteps(): Promise<string> {
  const alice = await server.user();
  const res = await server.request("POST", "/api/v1/jobs/submit", {
    token: alice.token,
    body: { job_name: "steps", payload: {} },
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

it("the example page keeps one read of each kind in flight while a job runs, and answers Cancel", async () => {
  const { token } = await server.user("admin");
  const proxy = await startSlowProxy(server.url, 400);
  onTestFinished(() => proxy.close());
  const page = await browser.newPage();
  const reads = countInFlight(page);
  await page.goto(`${proxy.url}/examples/admin/?token=${encodeURIComponent(token)}`);
  await page.waitForFunction(() => (window as any).adminExample?.realtime?.queue === "SUBSCRIBED", null, {
    timeout: 20_000,
  });

  const id = await submitSteps();
  const details = page.getByRole("button", { name: `Details of job ${id}` });
  await details.click({ timeout: 20_000 });
  // Six seconds of progress: about sixty changes, each asking for four reads.
  expect(await mostWhileRunning(page, reads, "#detail-status", "example page")).toBeLessThanOrEqual(
    MOST_IN_FLIGHT,
  );

  await page.getByRole("button", { name: "Cancel", exact: true }).click();
  await page.waitForFunction(
    () =>
      document.getElementById("action-status")?.textContent === "Cancelled; status when answered: cancelled.",
    null,
    { timeout: 10_000 },
  );
  expect((await page.evaluate(() => (window as any).adminExample.actions)).map((a: any) => a.action)).toEqual(
    ["cancel"],
  );
  await page.close();
});

it("the dashboard's job page does the same", async () => {
  // Slower than the page's half-second refresh: loads asked for on every change would overlap.
  const proxy = await startSlowProxy(server.url, 1_200);
  onTestFinished(() => proxy.close());
  const page = await browser.newPage();
  const reads = countInFlight(page);
  await page.goto(`${proxy.url}/admin/`);
  await page.fill("#token", server.serviceKey);
  await page.click("button[type=submit]");
  await page.waitForSelector("#overview-title", { timeout: 20_000 });
  const id = await submitSteps();
  await page.evaluate((id) => {
    location.hash = `#/jobs/${id}`;
  }, id);
  // The job page's one load reads the job, its logs and its attempts.
  expect(await mostWhileRunning(page, reads, "[data-field=status]", "dashboard")).toBeLessThanOrEqual(3);

  await page.click("button[data-action=cancel]");
  await page.waitForFunction(() => document.querySelector(".message")?.textContent === "cancel: done", null, {
    timeout: 10_000,
  });
  await page.close();
});
