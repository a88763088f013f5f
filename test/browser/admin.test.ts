/**
 * The admin example (docs/examples/browser/admin) in Debian's Chromium, driven by playwright-core,
 * against a real server with one worker of one slot (so a job can be held pending behind another).
 * An admin's page follows the statistics, the worker and the queue live while a user submits jobs
 * over HTTP; it shows a failure's error and logs, and cancels, terminates, retries and resubmits.
 * A user's token is refused with the 403 and shows no data.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/chromium.ts";
import { startTestServer, type TestServer, type TestUser, waitForJob } from "../support/server.ts";

const screenshot = "/tmp/fluxbase-admin-example.png";

// Sleeps in steps, reporting progress after each; stops early when cancelled.
const stepsJob = `/**
 * @fluxbase:timeout 120
 * @fluxbase:max-retries 0
 */
export async function handler(_req, _fluxbase, _service, job) {
  const { steps = 5, delay_ms = 100 } = job.getJobPayload();
  console.log("Taking " + steps + " steps");
  for (let i = 1; i <= steps; i++) {
    if (job.checkCancellation()) return { stopped_at: i };
    await new Promise((resolve) => setTimeout(resolve, delay_ms));
    job.reportProgress(Math.round((i / steps) * 100), "Step " + i + "/" + steps);
  }
  return { steps };
}
`;

// Logs two lines (one with markup, which must show as text), then throws.
const explodeJob = `/**
 * @fluxbase:max-retries 0
 */
export async function handler(_req, _fluxbase, _service, job) {
  const { reason } = job.getJobPayload();
  console.log("Checking the <b id=\\"injected-log\\">input</b>");
  console.warn("About to fail");
  throw new Error("Exploded on purpose: " + reason);
}
`;

// A quick job in another namespace, for the namespace filter.
const tallyJob = `/**
 * @fluxbase:namespace reports
 */
export function handler() {
  return { tallied: true };
}
`;

let server: TestServer;
let browser: Browser;
let jobsDir: string;
let alice: TestUser;

beforeAll(async () => {
  browser = await launchChromium();
  jobsDir = mkdtempSync(path.join(tmpdir(), "fluxbase-admin-jobs-"));
  writeFileSync(path.join(jobsDir, "steps.ts"), stepsJob);
  writeFileSync(path.join(jobsDir, "explode.ts"), explodeJob);
  writeFileSync(path.join(jobsDir, "tally.ts"), tallyJob);
  server = await startTestServer({
    workers: true,
    jobs: { dir: jobsDir, watch: false, maxConcurrentPerWorker: 1, workerHeartbeatInterval: 1000 },
  });
  alice = await server.user();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (jobsDir) rmSync(jobsDir, { recursive: true, force: true });
});

interface Seen {
  signedIn: boolean;
  realtime: { queue: string; workers: string; logs: string };
  events: { table: string; type: string; id: string; status: string | null }[];
  polls: number;
  actions: { action: string; id: string; ok: boolean; status: string | null; code: string | null }[];
}

interface OpenedPage {
  page: Page;
  /** Uncaught exceptions and console errors; expected to stay empty. */
  problems: string[];
  seen(): Promise<Seen>;
}

/** Opens the page in a fresh browser context, signed in through `?token=` or by pasting the token. */
async function openAdmin(token: string, how: "url" | "paste" = "url"): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1400 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000); // below the test's own timeout, so a stuck wait names its line
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()} (${message.location().url})`);
  });
  if (how === "url") {
    await page.goto(`${server.url}/examples/admin/?token=${encodeURIComponent(token)}`);
  } else {
    await page.goto(`${server.url}/examples/admin/`);
    await page.fill("#token", token);
    await page.getByRole("button", { name: "Sign in" }).click();
  }
  return {
    page,
    problems,
    seen: () => page.evaluate(() => JSON.parse(JSON.stringify((window as any).adminExample))),
  };
}

/** A user's job, submitted over HTTP (not through the page). */
async function submit(
  jobName: string,
  payload: Record<string, unknown>,
  namespace?: string,
): Promise<string> {
  const res = await server.request("POST", "/api/v1/jobs/submit", {
    token: alice.token,
    body: { job_name: jobName, payload, namespace },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const row = (page: Page, id: string) => page.locator(`#queue-body tr[data-id="${id}"]`);

/** Waits until the queue row of job `id` shows `status`. */
// Polled on a timer, not per animation frame: run beside test/rest/fuzz.test.ts, a frame-polled wait
// never saw the detail turn "cancelled" in 20 s although the page showed it (seen in every full run).
const rowStatus = (page: Page, id: string, status: string, timeout = 20_000) =>
  page.waitForFunction(
    ([id, status]) =>
      document.querySelector<HTMLElement>(`#queue-body tr[data-id="${id}"]`)?.dataset.status === status,
    [id, status] as const,
    { timeout, polling: 100 },
  );

/** Waits until the detail shows `status`; on a timeout, says what the page showed and had sent. */
const detailStatus = (page: Page, status: string, timeout = 20_000) =>
  page
    .waitForFunction((status) => document.getElementById("detail-status")?.textContent === status, status, {
      timeout,
      polling: 100,
    })
    .catch(async (error: Error) => {
      const shown = await page.evaluate(() => ({
        status: document.getElementById("detail-status")?.textContent,
        action: document.getElementById("action-status")?.textContent,
        actions: (window as any).adminExample.actions,
      }));
      throw new Error(`${error.message}\nwanted ${status}; the page shows ${JSON.stringify(shown)}`);
    });

const text = async (page: Page, selector: string) => (await page.textContent(selector))?.trim() ?? "";

describe("the admin example page", () => {
  let admin: OpenedPage;

  beforeAll(async () => {
    const { token } = await server.user("admin");
    admin = await openAdmin(token);
    await admin.page.waitForFunction(
      () => {
        const { realtime } = (window as any).adminExample ?? {};
        return realtime?.queue === "SUBSCRIBED" && realtime?.workers === "SUBSCRIBED";
      },
      null,
      { timeout: 15_000 },
    );
    // Set once: a reload would lose it.
    await admin.page.evaluate(() => {
      (window as any).notReloaded = true;
    });
  });

  afterAll(async () => {
    await admin?.page.context().close();
  });

  it("signs in from ?token=, drops it from the address bar, and shows the statistics and the worker", async () => {
    const { page } = admin;
    expect(new URL(page.url()).search).toBe("");
    await expect(text(page, "#identity")).resolves.toMatch(
      /^Signed in as .+@example\.test \(role admin\)\.$/,
    );
    await expect(text(page, "#live")).resolves.toBe("Live: changes arrive over realtime.");
    await page.waitForFunction(() => document.getElementById("stat-total")?.textContent === "0");
    for (const status of ["pending", "running", "completed", "failed", "cancelled"]) {
      await expect(text(page, `#stat-${status}`)).resolves.toBe("0");
    }
    await expect(text(page, "#stat-avg")).resolves.toBe("none yet");

    const worker = page.locator("#workers-body tr");
    await worker.first().waitFor();
    await expect(worker.count()).resolves.toBe(1);
    const [registered] = await server.db.sql<
      { id: string; name: string }[]
    >`select id, name from jobs.workers`;
    await expect(worker.getAttribute("data-id")).resolves.toBe(registered!.id);
    await expect(text(page, "#workers-body th")).resolves.toBe(registered!.name);
    await expect(text(page, "#workers-body .status")).resolves.toBe("active");
    await expect(text(page, "#workers-body .load")).resolves.toBe("0/1");
    await expect(text(page, "#workers-body .heartbeat")).resolves.toMatch(/^\d+ s ago$/);
    // Heartbeats (every second here) reach the page over realtime.
    await page.waitForFunction(
      () =>
        (window as any).adminExample.events.some((e: any) => e.table === "workers" && e.type === "UPDATE"),
      null,
      { timeout: 10_000 },
    );
    await expect(page.isHidden("#workers-empty")).resolves.toBe(true);
  });

  it("shows a user's job arriving and completing live, without a reload", async () => {
    const { page } = admin;
    const id = await submit("steps", { steps: 6, delay_ms: 150 });
    await row(page, id).waitFor({ timeout: 10_000 });
    await rowStatus(page, id, "completed");

    const r = row(page, id);
    await expect(text(page, `#queue-body tr[data-id="${id}"] th`)).resolves.toBe(
      `default/steps ${id.slice(0, 8)}`,
    );
    await expect(r.locator("td").nth(3).textContent()).resolves.toBe(alice.email);
    await expect(r.locator(".progress").textContent()).resolves.toBe(" 100%");
    await page.waitForFunction(() => document.getElementById("stat-completed")?.textContent === "1");
    await expect(text(page, "#stat-total")).resolves.toBe("1");
    await expect(text(page, "#stat-avg")).resolves.toMatch(/^\d+\.\d+ s$/);

    const events = (await admin.seen()).events.filter((e) => e.table === "queue" && e.id === id);
    // Each change is read when it is delivered: the INSERT may already say running.
    expect(events[0]?.type).toBe("INSERT");
    expect(events.map((e) => e.status)).toContain("running");
    expect(events.at(-1)?.status).toBe("completed");
    await expect(page.evaluate(() => (window as any).notReloaded)).resolves.toBe(true);
  });

  it("shows a failed job's error and its logs in the detail, as text", async () => {
    const { page } = admin;
    const id = await submit("explode", { reason: '<img src=x id="injected-error">' });
    await rowStatus(page, id, "failed");
    await row(page, id)
      .getByRole("button", { name: `Details of job ${id}` })
      .click();
    await detailStatus(page, "failed");

    await expect(text(page, "#detail-id")).resolves.toBe(id);
    await expect(text(page, "#detail-function")).resolves.toBe("default/explode");
    await expect(text(page, "#detail-user")).resolves.toBe(alice.email);
    await expect(text(page, "#detail-attempt")).resolves.toBe("1 run started, 0 of 0 retries used");
    await expect(text(page, "#detail-error")).resolves.toBe(
      'Exploded on purpose: <img src=x id="injected-error">',
    );
    await expect(page.isHidden("#detail-result-block")).resolves.toBe(true);
    expect(JSON.parse(await text(page, "#detail-payload"))).toEqual({
      reason: '<img src=x id="injected-error">',
    });

    await page.waitForFunction(() =>
      document.getElementById("logs-body")?.textContent?.includes("Exploded on purpose"),
    );
    // The attempt is listed with its outcome and error, as text.
    await page.waitForFunction(() =>
      document.getElementById("attempts-body")?.textContent?.includes("Exploded on purpose"),
    );
    const attempts = await page.$$eval("#attempts-body tr", (trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent)),
    );
    expect(attempts).toEqual([
      ["1", "failed", expect.any(String), expect.any(String), expect.stringContaining("Exploded on purpose")],
    ]);
    const logs = await page.$$eval("#logs-body tr", (trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent)),
    );
    // stdout and stderr reach the server separately: their lines may interleave either way.
    expect(logs.map((l) => l[0])).toEqual(logs.map((_, i) => String(i + 1)));
    expect(logs).toContainEqual([
      expect.any(String),
      "1",
      "info",
      expect.any(String),
      'Checking the <b id="injected-log">input</b>',
    ]);
    expect(logs).toContainEqual([expect.any(String), "1", "warn", expect.any(String), "About to fail"]);
    expect(logs.some((l) => l[2] === "error" && l[4]!.includes("Exploded on purpose"))).toBe(true);
    // The markup in the error and the log line stayed text.
    await expect(
      page.locator("#injected-error, #injected-log, #logs-body b, #detail-body img").count(),
    ).resolves.toBe(0);
  });

  it("cancels a running job, and shows the API's 409 for a second cancel", async () => {
    const { page } = admin;
    const id = await submit("steps", { steps: 200, delay_ms: 100 });
    await rowStatus(page, id, "running");
    await row(page, id)
      .getByRole("button", { name: `Details of job ${id}` })
      .click();
    await detailStatus(page, "running");
    // Progress reaches the open detail live.
    await page.waitForFunction(() =>
      /^\d+%: Step \d+\/200$/.test(document.getElementById("detail-progress-text")?.textContent ?? ""),
    );

    await page.getByRole("button", { name: "Cancel", exact: true }).click();
    await detailStatus(page, "cancelled");
    await rowStatus(page, id, "cancelled");
    await expect(text(page, "#action-status")).resolves.toBe("Cancelled; status when answered: cancelled.");
    await expect(text(page, "#detail-cancel-mode")).resolves.toBe("cancel");
    // The run's last line is written after the status changed; the logs channel brings it.
    await page.waitForFunction(
      () => document.getElementById("logs-body")?.lastElementChild?.textContent?.includes("Job cancelled"),
      null,
      { timeout: 10_000 },
    );

    await page.getByRole("button", { name: "Cancel", exact: true }).click();
    await page.waitForFunction(() => document.getElementById("action-error")?.textContent !== "");
    await expect(text(page, "#action-error")).resolves.toBe(
      "Cancel failed: 409 JOB_NOT_CANCELLABLE: Only a pending or running job can be cancelled; this one is cancelled",
    );
    await expect(text(page, "#action-status")).resolves.toBe("");
    await expect(text(page, "#detail-status")).resolves.toBe("cancelled");
  });

  it("retries a failed job back to pending, terminates the job ahead of it, and resubmits", async () => {
    const { page } = admin;
    const failed = await submit("explode", { reason: "first run" });
    await rowStatus(page, failed, "failed");
    // The only slot is taken: the retried job has to wait, pending.
    const blocker = await submit("steps", { steps: 300, delay_ms: 100 });
    await rowStatus(page, blocker, "running");
    // The worker's load changes with its heartbeats (every second here), over realtime.
    await page.waitForFunction(() => document.querySelector("#workers-body .load")?.textContent === "1/1");

    await row(page, failed)
      .getByRole("button", { name: `Details of job ${failed}` })
      .click();
    await detailStatus(page, "failed");
    await page.getByRole("button", { name: "Retry", exact: true }).click();
    await detailStatus(page, "pending");
    await rowStatus(page, failed, "pending");
    await expect(text(page, "#action-status")).resolves.toBe("Retried; status when answered: pending.");
    await expect(page.isHidden("#detail-error-block")).resolves.toBe(true);
    await page.waitForFunction(() => Number(document.getElementById("stat-pending")?.textContent) >= 1);

    // Terminating the blocker frees the slot: the retried job runs (and fails) again.
    await row(page, blocker)
      .getByRole("button", { name: `Details of job ${blocker}` })
      .click();
    await detailStatus(page, "running");
    await page.getByRole("button", { name: "Terminate", exact: true }).click();
    await detailStatus(page, "cancelled");
    await expect(text(page, "#detail-cancel-mode")).resolves.toBe("terminate");
    await rowStatus(page, failed, "failed");
    await waitForJob(server, failed, (job) => job.status === "failed");

    // Resubmit: a new job with the same payload, opened in the detail.
    await row(page, failed)
      .getByRole("button", { name: `Details of job ${failed}` })
      .click();
    await detailStatus(page, "failed");
    await page.getByRole("button", { name: "Resubmit", exact: true }).click();
    await page.waitForFunction(
      (failed) => {
        const shown = document.getElementById("detail-id")?.textContent;
        return (
          shown && shown !== failed && document.getElementById("detail-status")?.textContent === "failed"
        );
      },
      failed,
      { timeout: 20_000 },
    );
    const resubmitted = await text(page, "#detail-id");
    await expect(text(page, "#action-status")).resolves.toMatch(
      new RegExp(`^Resubmitted as a new job, ${resubmitted}; status when answered: pending\\.$`),
    );
    expect(JSON.parse(await text(page, "#detail-payload"))).toEqual({ reason: "first run" });
    await expect(row(page, resubmitted).count()).resolves.toBe(1);
    // The new job's lines, and statistics that caught up with every change.
    await page.waitForFunction(() =>
      document.getElementById("logs-body")?.textContent?.includes("first run"),
    );
    const [counts] = await server.db.sql<Record<string, number>[]>`
      select count(*) filter (where status = 'failed')::int as failed,
             count(*) filter (where status = 'cancelled')::int as cancelled,
             count(*)::int as total
      from jobs.queue`;
    await page.waitForFunction(
      (counts) =>
        Object.entries(counts).every(
          ([k, n]) => document.getElementById(`stat-${k}`)?.textContent === String(n),
        ) && document.getElementById("stat-running")?.textContent === "0",
      counts!,
    );
    await page.screenshot({ path: screenshot, fullPage: true, animations: "disabled" });

    // Every action the page took, the cancel test's included, with what the API answered.
    const { actions } = await admin.seen();
    expect(actions.map(({ action, ok, status, code }) => ({ action, ok, status, code }))).toEqual([
      { action: "cancel", ok: true, status: "cancelled", code: null },
      { action: "cancel", ok: false, status: null, code: "JOB_NOT_CANCELLABLE" },
      { action: "retry", ok: true, status: "pending", code: null },
      { action: "terminate", ok: true, status: "cancelled", code: null },
      { action: "resubmit", ok: true, status: "pending", code: null },
    ]);
  });

  it("filters by status and namespace, and pages through the queue", async () => {
    const { page } = admin;
    // A job in a namespace the page has not seen yet: it becomes a choice of the filter.
    const tally = await submit("tally", {}, "reports");
    await rowStatus(page, tally, "completed");
    await page.selectOption("#filter-namespace", "reports");
    await page.waitForFunction(
      () => document.getElementById("stats-scope")?.textContent === "Namespace reports",
    );
    await page.waitForFunction(() => document.getElementById("page-info")?.textContent === "Jobs 1–1 of 1");
    await expect(page.locator("#queue-body tr").getAttribute("data-id")).resolves.toBe(tally);
    await expect(text(page, "#stat-total")).resolves.toBe("1");
    await page.selectOption("#filter-namespace", "");

    await page.selectOption("#filter-status", "failed");
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll<HTMLElement>("#queue-body tr")).every(
        (tr) => tr.dataset.status === "failed",
      ),
    );
    const [{ failed }] = await server.db.sql<{ failed: number }[]>`
      select count(*)::int as failed from jobs.queue where status = 'failed'`;
    await page.waitForFunction(
      (failed) => document.getElementById("page-info")?.textContent === `Jobs 1–${failed} of ${failed}`,
      failed,
    );
    await page.selectOption("#filter-status", "");
    await page.selectOption("#page-size", "5");
    const [{ total }] = await server.db.sql<
      { total: number }[]
    >`select count(*)::int as total from jobs.queue`;
    await page.waitForFunction(
      (total) => document.getElementById("page-info")?.textContent === `Jobs 1–5 of ${total}`,
      total,
    );
    await page.click("#older");
    await page.waitForFunction(
      (total) =>
        document.getElementById("page-info")?.textContent === `Jobs 6–${Math.min(10, total)} of ${total}`,
      total,
    );
    await expect(page.locator("#queue-body tr").count()).resolves.toBe(Math.min(10, total) - 5);
    // The browser reports the refused second cancel itself; nothing else went wrong.
    expect(admin.problems.filter((p) => !/status of 409 .*\/cancel\)$/.test(p))).toEqual([]);
  });
});

describe("serving the admin example", () => {
  it("serves the page and its modules with the strict policy, and renders job data as text only", async () => {
    const dir = fileURLToPath(new URL("../../docs/examples/browser/admin/", import.meta.url));
    const res = await fetch(`${server.url}/examples/admin/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    const scripts = readdirSync(dir).filter((file) => file.endsWith(".js"));
    expect(scripts).toContain("admin.js");
    for (const file of scripts) {
      const served = await fetch(`${server.url}/examples/admin/${file}`);
      expect(served.status, file).toBe(200);
      expect(served.headers.get("content-type"), file).toMatch(/^text\/javascript/);
      // Job data (payloads, results, errors, log lines) may hold markup; it is never parsed as HTML.
      expect(await served.text(), file).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    }
  });
});

describe("signing in without admin rights", () => {
  it("shows the 403 and no data to a user's token", async () => {
    const user = await openAdmin(alice.token, "paste");
    const { page } = user;
    await page.waitForFunction(() =>
      /^(This token|Sign-in failed|Signed in)/.test(document.getElementById("identity")?.textContent ?? ""),
    );
    await expect(text(page, "#identity")).resolves.toBe(
      "This token may not use the admin API (403 ADMIN_REQUIRED: it is for role authenticated). " +
        "Sign in with an admin's token or the service key.",
    );
    await expect(page.isHidden("#dashboard")).resolves.toBe(true);
    await expect(page.locator("#queue-body tr, #workers-body tr").count()).resolves.toBe(0);
    await expect(text(page, "#stat-total")).resolves.toBe("");
    const seen = await user.seen();
    expect(seen.signedIn).toBe(false);
    expect(seen.realtime).toEqual({ queue: "off", workers: "off", logs: "off" });
    expect(seen.events).toEqual([]);
    expect(user.problems.filter((p) => !p.includes("403"))).toEqual([]);
    await page.context().close();
  });

  it("polls when realtime is not available", async () => {
    // A page whose WebSocket is refused by a route: it must fall back to reading every few seconds.
    const { token } = await server.user("admin");
    const context = await browser.newContext();
    await context.routeWebSocket(/\/realtime\/v1\//, (ws) =>
      ws.close({ code: 1011, reason: "no realtime here" }),
    );
    const page = await context.newPage();
    await page.goto(`${server.url}/examples/admin/?token=${encodeURIComponent(token)}`);
    await page.waitForFunction(() => document.getElementById("stat-total")?.textContent !== "");
    const id = await submit("steps", { steps: 2, delay_ms: 50 });
    await rowStatus(page, id, "completed", 15_000);
    await expect(text(page, "#live")).resolves.toMatch(/^Polling every 3 s \(realtime: /);
    const seen = await page.evaluate(() => (window as any).adminExample);
    expect(seen.polls).toBeGreaterThan(0);
    expect(seen.realtime.queue).not.toBe("SUBSCRIBED");
    await context.close();
  });
});
