/**
 * Signed webhooks end to end: the admin API, real deliveries to a receiver on loopback that verifies
 * every signature with the served public key, the per-attempt record, timeout, 410, the breaker and
 * the address rules.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain JavaScript example from the docs, without types
import { verifyWebhook } from "../../docs/examples/webhooks/verify.mjs";
import { createClient } from "../../sdk/src/index.ts";
import { insertFunction, startTestServer, type TestServer, waitForJob } from "../support/server.ts";
import { type Receiver, startReceiver } from "./receiver.ts";

let server: TestServer;
let receiver: Receiver;
let admin: string;

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer({
    workers: true,
    notify: { webhookAllowPrivate: true, webhookTimeout: 1000, retryBase: 100, maxAttempts: 3 },
  });
  admin = await server.token({ role: "admin", sub: randomUUID() });
  const key = await fetch(`${server.url}/api/v1/webhooks/public-key`);
  receiver.setPublicKey(await key.text());
  await insertFunction(server, {
    name: "hooked",
    code: "export async function main(p) { return { echo: p.n }; }",
  });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await receiver?.close();
});

async function call(method: string, route: string, body?: unknown, token = admin) {
  const response = await server.request(method, route, { token, body });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function subscribe(path: string, extra: Record<string, unknown> = {}) {
  const { status, body } = await call("POST", "/api/v1/admin/webhooks", {
    url: `${receiver.url}${path}`,
    events: ["job.completed", "job.failed", "job.cancelled"],
    ...extra,
  });
  expect(status).toBe(201);
  return body as { id: string };
}

/** A job that ends without running: the trigger sees the status, as it does for any writer. */
async function endedJob(jobName: string, status = "completed") {
  const [row] = await server.db.sql<{ id: string }[]>`
    insert into jobs.queue (job_name, status, result) values (${jobName}, ${status}, '{"done":true}') returning id`;
  return row!.id;
}

const webhookRow = async (id: string) =>
  (await server.db.sql`select * from jobs.webhooks where id = ${id}`)[0]!;

describe("the public key", () => {
  it("is served as PEM without auth", async () => {
    const response = await fetch(`${server.url}/api/v1/webhooks/public-key`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/x-pem-file");
    expect(await response.text()).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
  });
});

describe("subscriptions API", () => {
  it("creates, reads, lists, changes and deletes", async () => {
    const created = await subscribe("/crud", {
      description: "ops",
      namespace: "billing",
      events: ["job.failed"],
    });
    expect(created).toMatchObject({
      enabled: true,
      description: "ops",
      namespace: "billing",
      events: ["job.failed"],
    });
    expect((await call("GET", `/api/v1/admin/webhooks/${created.id}`)).body.id).toBe(created.id);
    const listed = await call("GET", "/api/v1/admin/webhooks");
    expect(listed.body.webhooks.map((w: { id: string }) => w.id)).toContain(created.id);
    const patched = await call("PATCH", `/api/v1/admin/webhooks/${created.id}`, {
      enabled: false,
      job_name: "x",
    });
    expect(patched.body).toMatchObject({ enabled: false, job_name: "x" });
    expect((await call("DELETE", `/api/v1/admin/webhooks/${created.id}`)).status).toBe(200);
    const gone = await call("GET", `/api/v1/admin/webhooks/${created.id}`);
    expect([gone.status, gone.body.code]).toEqual([404, "WEBHOOK_NOT_FOUND"]);
  });

  it("is for admins only; a user sees nothing, not even through the database", async () => {
    const user = await server.user();
    const { status, body } = await call("GET", "/api/v1/admin/webhooks", undefined, user.token);
    expect(status).toBe(403);
    expect(body.code).toBeTypeOf("string");
    const seen = await server.db.sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ role: "authenticated", sub: user.id })}, true)`;
      return [
        ...(await tx`select id from jobs.webhooks`),
        ...(await tx`select id from jobs.notifications`),
        ...(await tx`select id from jobs.notification_attempts`),
      ];
    });
    expect(seen).toEqual([]);
  });

  it.each([
    [{ url: "ftp://example.com/", events: ["job.completed"] }, 400, "VALIDATION_ERROR"],
    [{ url: "https://u:p@example.com/", events: ["job.completed"] }, 400, "VALIDATION_ERROR"],
    [{ url: "https://example.com/", events: ["job.exploded"] }, 400, "VALIDATION_ERROR"],
    [{ url: "https://example.com/", events: [] }, 400, "VALIDATION_ERROR"],
    [
      { url: "http://169.254.169.254/latest/meta-data", events: ["job.completed"] },
      400,
      "WEBHOOK_TARGET_REFUSED",
    ],
    [{ url: "http://[fe80::1]/", events: ["job.completed"] }, 400, "WEBHOOK_TARGET_REFUSED"],
  ])("refuses %j with %i %s and stores nothing", async (body, status, code) => {
    const before = await server.db.sql`select count(*)::int as n from jobs.webhooks`;
    const answer = await call("POST", "/api/v1/admin/webhooks", body);
    expect([answer.status, answer.body.code]).toEqual([status, code]);
    expect(answer.body.error).toBeTypeOf("string");
    expect(await server.db.sql`select count(*)::int as n from jobs.webhooks`).toEqual(before);
  });

  it("answers 404 for an unknown id and 400 for a malformed one", async () => {
    expect((await call("PATCH", `/api/v1/admin/webhooks/${randomUUID()}`, { enabled: true })).status).toBe(
      404,
    );
    expect((await call("GET", "/api/v1/admin/webhooks/nope")).body.code).toBe("INVALID_ID");
  });
});

describe("deliveries", () => {
  it("posts each event of a real job, signed, with the job as an admin sees it", async () => {
    const hook = await subscribe("/real", {
      events: ["job.started", "job.completed"],
      job_name: "hooked",
    });
    const user = await server.user();
    const submitted = await call(
      "POST",
      "/api/v1/jobs/submit",
      { job_name: "hooked", payload: { n: 7 } },
      user.token,
    );
    await waitForJob(server, submitted.body.id);
    const got = await receiver.waitFor(2, (d) => d.path === "/real");
    expect(got.map((d) => d.json.event).sort()).toEqual(["job.completed", "job.started"]);
    for (const delivery of got) {
      expect(delivery.verified).toBe(true);
      expect(delivery.id).toBe(delivery.json.id);
      expect(Math.abs(Number(delivery.timestamp) - Date.now() / 1000)).toBeLessThan(120);
      expect(delivery.json.job.id).toBe(submitted.body.id);
      expect(delivery.json.job).not.toHaveProperty("lease_token");
      expect(delivery.json.job).not.toHaveProperty("idempotency_key");
    }
    const completed = got.find((d) => d.json.event === "job.completed")!;
    // The docs' five-line verifier agrees, and refuses a body changed in transit.
    const publicKey = await (await fetch(`${server.url}/api/v1/webhooks/public-key`)).text();
    const headers = {
      "x-webhook-timestamp": completed.timestamp,
      "x-webhook-signature": completed.signature,
    };
    expect(verifyWebhook(publicKey, headers, completed.body)).toBe(true);
    expect(verifyWebhook(publicKey, headers, completed.body.replace('"echo":7', '"echo":8'))).toBe(false);
    expect(completed.json.job).toMatchObject({
      status: "completed",
      result: { echo: 7 },
      job_name: "hooked",
    });
    expect(completed.json.job.completed_at).toMatch(/Z$/);
    // The receiver has answered; the attempt is recorded right after.
    await expect
      .poll(async () =>
        (await call("GET", `/api/v1/admin/webhooks/${hook.id}/deliveries`)).body.deliveries.map(
          (d: { state: string }) => d.state,
        ),
      )
      .toEqual(["delivered", "delivered"]);
    const { body } = await call("GET", `/api/v1/admin/webhooks/${hook.id}/deliveries`);
    expect(body.deliveries[0]).toMatchObject({ state: "delivered", attempts: 1, last_status_code: 200 });
    expect(body.deliveries[0].attempt_log[0]).toMatchObject({ attempt: 1, status_code: 200, error: null });
    expect(body.deliveries[0].attempt_log[0].duration_ms).toBeTypeOf("number");
  });

  it("delivers job.cancelled when a user cancels their own job", async () => {
    await subscribe("/cancel", { events: ["job.cancelled"], job_name: "hooked" });
    const user = await server.user();
    const submitted = await call(
      "POST",
      "/api/v1/jobs/submit",
      { job_name: "hooked", delay_seconds: 3600 },
      user.token,
    );
    expect(
      (await call("POST", `/api/v1/jobs/${submitted.body.id}/cancel`, undefined, user.token)).status,
    ).toBe(200);
    const [delivery] = await receiver.waitFor(1, (d) => d.path === "/cancel");
    expect(delivery!.json.job).toMatchObject({ id: submitted.body.id, status: "cancelled" });
    expect(delivery!.verified).toBe(true);
  });

  it("only matches the subscription's namespace and function", async () => {
    await subscribe("/filtered", { job_name: "only-this" });
    await endedJob("not-this");
    const id = await endedJob("only-this");
    const [delivery] = await receiver.waitFor(1, (d) => d.path === "/filtered");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.deliveries.filter((d) => d.path === "/filtered").map((d) => d.json.job.id)).toEqual([id]);
    expect(delivery!.json.job.job_name).toBe("only-this");
  });

  it("times an attempt out, records it, and retries with the same id", async () => {
    const hook = await subscribe("/slow", { job_name: "slow-receiver" });
    let calls = 0;
    receiver.respond((d) => (d.path === "/slow" && calls++ === 0 ? undefined : 200));
    try {
      await endedJob("slow-receiver");
      const got = await receiver.waitFor(2, (d) => d.path === "/slow");
      expect(got[0]!.id).toBe(got[1]!.id);
      await expect
        .poll(
          async () =>
            (await call("GET", `/api/v1/admin/webhooks/${hook.id}/deliveries`)).body.deliveries[0].state,
        )
        .toBe("delivered");
      const { body } = await call("GET", `/api/v1/admin/webhooks/${hook.id}/deliveries`);
      const [first, second] = body.deliveries[0].attempt_log;
      expect(first.error).toBe("no answer within 1000 ms");
      expect(first.next_retry_at).toBeTypeOf("string");
      expect(second.status_code).toBe(200);
    } finally {
      receiver.respond(() => 200);
    }
  });

  it("disables the subscription at once on 410 Gone", async () => {
    const hook = await subscribe("/gone", { job_name: "gone-receiver" });
    receiver.respond((d) => (d.path === "/gone" ? 410 : 200));
    try {
      await endedJob("gone-receiver");
      await receiver.waitFor(1, (d) => d.path === "/gone");
      await expect.poll(async () => (await webhookRow(hook.id)).enabled, { timeout: 10_000 }).toBe(false);
      expect((await webhookRow(hook.id)).disabled_reason).toContain("410");
      await endedJob("gone-receiver");
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(receiver.deliveries.filter((d) => d.path === "/gone")).toHaveLength(1);
    } finally {
      receiver.respond(() => 200);
    }
  });

  it("opens the breaker after five failed attempts in a row; re-enabling delivers what waited", async () => {
    const hook = await subscribe("/broken", { job_name: "broken-receiver" });
    receiver.respond((d) => (d.path === "/broken" ? 500 : 200));
    try {
      for (let i = 0; i < 3; i++) await endedJob("broken-receiver");
      await expect.poll(async () => (await webhookRow(hook.id)).enabled, { timeout: 15_000 }).toBe(false);
      const row = await webhookRow(hook.id);
      // Attempts already in flight when it opened are counted too.
      expect(row.consecutive_failures).toBeGreaterThanOrEqual(5);
      expect(row.disabled_reason).toBe("5 failed attempts in a row");
      const attempts = receiver.deliveries.filter((d) => d.path === "/broken").length;
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(receiver.deliveries.filter((d) => d.path === "/broken")).toHaveLength(attempts);
    } finally {
      receiver.respond(() => 200);
    }
    const pending = await server.db
      .sql`select id from jobs.notifications where webhook_id = ${hook.id} and state = 'pending'`;
    expect(pending.length).toBeGreaterThan(0);
    const reenabled = await call("PATCH", `/api/v1/admin/webhooks/${hook.id}`, { enabled: true });
    expect(reenabled.body).toMatchObject({ enabled: true, consecutive_failures: 0, disabled_reason: null });
    await expect
      .poll(
        async () =>
          (
            await server.db
              .sql`select id from jobs.notifications where webhook_id = ${hook.id} and state = 'pending'`
          ).length,
        { timeout: 10_000 },
      )
      .toBe(0);
  });

  it("never changes the job it reports on", async () => {
    const [job] = await server.db
      .sql`select status, result from jobs.queue where job_name = 'broken-receiver' limit 1`;
    expect(job).toEqual({ status: "completed", result: { done: true } });
  });
});

describe("the SDK", () => {
  it("manages subscriptions through client.admin.webhooks", async () => {
    const client = createClient(server.url, server.serviceKey);
    const created = await client.admin.webhooks.create({
      url: `${receiver.url}/sdk`,
      events: ["job.failed"],
      job_name: "sdk-hook",
    });
    expect(created.error).toBeNull();
    const id = created.data!.id;
    expect((await client.admin.webhooks.list()).data!.map((w) => w.id)).toContain(id);
    expect((await client.admin.webhooks.disable(id)).data!.enabled).toBe(false);
    expect((await client.admin.webhooks.enable(id)).data!.enabled).toBe(true);
    await endedJob("sdk-hook", "failed");
    await expect
      .poll(async () => (await client.admin.webhooks.deliveries(id)).data!.map((d) => [d.event, d.state]))
      .toEqual([["job.failed", "delivered"]]);
    const refused = await client.admin.webhooks.create({
      url: "http://169.254.169.254/",
      events: ["job.failed"],
    });
    expect(refused.error!.code).toBe("WEBHOOK_TARGET_REFUSED");
    expect((await client.admin.webhooks.delete(id)).data).toEqual({ id, deleted: true });
    expect((await client.admin.webhooks.get(id)).error!.code).toBe("WEBHOOK_NOT_FOUND");
  });

  it("passes notify: true at submit; this server has no SMTP, so it is refused", async () => {
    const user = await server.user();
    const client = createClient(server.url, { apiKey: user.token });
    const { error } = await client.jobs.submit("hooked", {}, { notify: true });
    expect(error!.code).toBe("NOTIFY_UNAVAILABLE");
    expect(error!.status).toBe(400);
  });
});

describe("without FLUXBASE_WEBHOOK_ALLOW_PRIVATE", () => {
  it("refuses loopback at create and at delivery (a row written past the API)", async () => {
    const strict = await startTestServer({ workers: true, notify: { retryBase: 100 } });
    try {
      const token = await strict.token({ role: "admin", sub: randomUUID() });
      const response = await strict.request("POST", "/api/v1/admin/webhooks", {
        token,
        body: { url: `${receiver.url}/strict`, events: ["job.completed"] },
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { code: string }).code).toBe("WEBHOOK_TARGET_REFUSED");
      const [hook] = await strict.db.sql<{ id: string }[]>`
        insert into jobs.webhooks (url, events) values (${`http://localhost:${new URL(receiver.url).port}/strict`}, '{job.completed}')
        returning id`;
      await strict.db.sql`insert into jobs.queue (job_name, status) values ('x', 'completed')`;
      await expect
        .poll(
          async () =>
            (
              await strict.db
                .sql`select state, last_error from jobs.notifications where webhook_id = ${hook!.id}`
            )[0],
          {
            timeout: 15_000,
          },
        )
        .toMatchObject({ state: "failed", last_error: expect.stringContaining("loopback or private") });
      expect(receiver.deliveries.filter((d) => d.path === "/strict")).toHaveLength(0);
      await waitForJob(strict, (await strict.db.sql`select id from jobs.queue`)[0]!.id);
    } finally {
      await strict.stop();
    }
  });
});
