import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSmtp, type TestSmtp } from "../notify/smtpServer.ts";
import { launchChromium } from "../support/chromium.ts";
import { startTestServer, type TestServer, type TestUser } from "../support/server.ts";

const jobsDir = fileURLToPath(new URL("../../jobs/", import.meta.url));
const pageScript = fileURLToPath(
  new URL("../../docs/examples/browser/progress/progress.js", import.meta.url),
);
const screenshot = "/tmp/fluxbase-progress-example.png";

let server: TestServer;
let smtp: TestSmtp;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  smtp = await startSmtp();
  server = await startTestServer({
    workers: true,
    jobs: { dir: jobsDir, watch: false },
    notify: { smtpUrl: smtp.url },
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await smtp?.close();
});

/** What the page exposes on `window.progressExample`, and what our own observer saw in the DOM. */
interface Seen {
  progressHistory: number[];
  events: { type: string; id: string; status: string; percent: number | null }[];
  realtime: string;
  jobId: string | null;
  status: string | null;
  /** Every `aria-valuenow` the bar took with the message shown then, recorded by a MutationObserver. */
  observed: { percent: number; message: string }[];
}

interface OpenedPage {
  page: Page;
  /** Uncaught exceptions and console errors; expected to stay empty. */
  problems: string[];
  seen(): Promise<Seen>;
}

/** Opens the example in a fresh browser context (its own storage, its own WebSocket). */
async function openExample(): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: { width: 900, height: 1100 } });
  contexts.push(context);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()} (${message.location().url})`);
  });
  // Independent of the page's own bookkeeping: record what the DOM actually showed.
  await page.addInitScript(() => {
    const observed: { percent: number; message: string }[] = [];
    (window as any).observedProgress = observed;
    document.addEventListener("DOMContentLoaded", () => {
      const bar = document.querySelector('[role="progressbar"]')!;
      const message = document.getElementById("message")!;
      new MutationObserver(() => {
        const percent = Number(bar.getAttribute("aria-valuenow"));
        if (observed.at(-1)?.percent !== percent)
          observed.push({ percent, message: message.textContent ?? "" });
      }).observe(bar, { attributes: true, attributeFilter: ["aria-valuenow"] });
    });
  });
  return {
    page,
    problems,
    seen: () =>
      page.evaluate(() => {
        const w = window as any;
        return JSON.parse(JSON.stringify({ ...w.progressExample, observed: w.observedProgress }));
      }),
  };
}

const subscribed = (page: Page) =>
  page.waitForFunction(() => (window as any).progressExample?.realtime === "SUBSCRIBED", null, {
    timeout: 15_000,
  });

const finished = (page: Page) =>
  page.waitForFunction(
    () =>
      (window as any).progressExample?.status === "completed" &&
      document.getElementById("result")?.textContent !== "",
    null,
    { timeout: 20_000 },
  );

describe("the live-progress example page", () => {
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    alice = await server.user();
    bob = await server.user();
  });
  afterAll(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });

  it("shows a job's progress live to its user, and nothing of it to another user", async () => {
    // Alice signs in through ?token=, Bob by pasting his token: both are subscribed before Alice runs.
    const a = await openExample();
    await a.page.goto(`${server.url}/examples/progress/?token=${encodeURIComponent(alice.token)}`);
    const b = await openExample();
    await b.page.goto(`${server.url}/examples/progress/`);
    await b.page.fill("#token", bob.token);
    await b.page.click("#sign-in button[type=submit]");
    await Promise.all([subscribed(a.page), subscribed(b.page)]);
    expect(new URL(a.page.url()).search).toBe(""); // the token left the address bar
    await expect(a.page.textContent("#identity")).resolves.toBe(`Signed in as ${alice.email}.`);

    await a.page.fill("#items", "10");
    await a.page.fill("#delay", "150");
    await a.page.click("#run button[type=submit]");
    await finished(a.page);

    const seenA = await a.seen();
    // The bar went up through intermediate values, never back, and ended at 100.
    expect(seenA.progressHistory.at(-1)).toBe(100);
    expect(seenA.progressHistory).toEqual([...seenA.progressHistory].sort((x, y) => x - y));
    const intermediate = seenA.progressHistory.filter((p) => p > 0 && p < 100);
    expect(intermediate.length, `history: ${seenA.progressHistory.join(", ")}`).toBeGreaterThanOrEqual(3);
    // What the page says it showed is what the DOM showed, with the job's message beside it.
    expect(seenA.observed.map((o) => o.percent)).toEqual(seenA.progressHistory);
    const midway = seenA.observed.filter((o) => o.percent > 0 && o.percent < 100);
    for (const o of midway) expect(o.message).toMatch(/^Processed [1-9]\/10$/);
    expect(seenA.observed.at(-1)).toEqual({ percent: 100, message: "Processed 10/10" });

    const bar = a.page.locator('[role="progressbar"]');
    await expect(bar.getAttribute("aria-valuenow")).resolves.toBe("100");
    await expect(bar.getAttribute("aria-valuetext")).resolves.toBe("100%: Processed 10/10");
    await expect(a.page.textContent("#job-status")).resolves.toBe("completed");
    expect(JSON.parse((await a.page.textContent("#result")) ?? "")).toEqual({ success: true, processed: 10 });
    expect(seenA.events.length).toBeGreaterThan(3);
    expect(new Set(seenA.events.map((e) => e.id))).toEqual(new Set([seenA.jobId]));
    await a.page.screenshot({ path: screenshot, fullPage: true, animations: "disabled" });

    // Bob was subscribed all along and received none of it.
    const seenB = await b.seen();
    expect(seenB.realtime).toBe("SUBSCRIBED");
    expect(seenB.events).toEqual([]);
    expect(seenB.progressHistory).toEqual([]);
    expect(await b.page.textContent("body")).not.toContain(seenA.jobId);

    // His channel was live: his own job reaches his page, and not Alice's.
    await b.page.fill("#items", "3");
    await b.page.fill("#delay", "20");
    await b.page.click("#run button[type=submit]");
    await finished(b.page);
    const afterB = await b.seen();
    expect(afterB.progressHistory.at(-1)).toBe(100);
    expect(afterB.events.length).toBeGreaterThan(0);
    expect(new Set(afterB.events.map((e) => e.id))).toEqual(new Set([afterB.jobId]));
    const afterA = await a.seen();
    expect(afterA.events.some((e) => e.id === afterB.jobId)).toBe(false);

    expect([...a.problems, ...b.problems]).toEqual([]);
  });

  it("'Notify me' mails the user when the job is done", async () => {
    const carol = await server.user();
    const c = await openExample();
    await c.page.goto(`${server.url}/examples/progress/?token=${encodeURIComponent(carol.token)}`);
    await subscribed(c.page);
    await c.page.fill("#items", "2");
    await c.page.fill("#delay", "10");
    await c.page.check("#notify");
    await c.page.click("#run button[type=submit]");
    await finished(c.page);
    const jobId = (await c.seen()).jobId;
    await expect
      .poll(() => smtp.mails.filter((m) => m.to.includes(carol.email)).length, { timeout: 20_000 })
      .toBe(1);
    const mail = smtp.mails.find((m) => m.to.includes(carol.email))!;
    expect(mail.raw).toContain("Subject: [Fluxbase] process-data completed");
    expect(mail.raw).toContain(jobId);
    expect(c.problems).toEqual([]);
  });

  it("says so when the token is refused", async () => {
    const c = await openExample();
    await c.page.goto(`${server.url}/examples/progress/?token=not-a-jwt`);
    await c.page.waitForFunction(() =>
      document.getElementById("identity")?.textContent?.startsWith("Sign-in failed:"),
    );
    await expect(c.page.isDisabled("#run button[type=submit]")).resolves.toBe(true);
  });
});

describe("serving the examples", () => {
  it("serves the page with a strict policy, the SDK bundle, and nothing outside the folder", async () => {
    const pageRes = await fetch(`${server.url}/examples/progress/`);
    expect(pageRes.status).toBe(200);
    expect(pageRes.headers.get("content-type")).toMatch(/^text\/html/);
    expect(pageRes.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(pageRes.headers.get("referrer-policy")).toBe("no-referrer");

    const sdk = await fetch(`${server.url}/examples/sdk.js`);
    expect(sdk.status).toBe(200);
    expect(sdk.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await sdk.text()).toMatch(/export\s*\{[^}]*\bcreateClient\b/);

    const bare = await fetch(`${server.url}/examples/progress`, { redirect: "manual" });
    expect(bare.status).toBe(301);
    expect(bare.headers.get("location")).toBe("/examples/progress/");

    for (const route of [
      "/examples/progress/..%2F..%2F..%2Fpackage.json",
      "/examples/progress/missing.js",
      "/examples/nope/",
      "/examples/..%2Fsdk/",
    ]) {
      const res = await fetch(`${server.url}${route}`);
      expect(res.status, route).toBe(404);
    }
  });

  it("renders job data as text only", async () => {
    // Job data (messages, results, errors) may hold markup; the page never parses it as HTML.
    const source = await readFile(pageScript, "utf8");
    expect(source).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});
