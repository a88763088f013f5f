/**
 * Email notifications over a real SMTP conversation: `notify: true` mails the submitter when the
 * job ends, scheduled runs alert FLUXBASE_JOBS_ALERT_EMAIL, a failing SMTP server is retried with
 * backoff and then given up with the error recorded, and the job's own status never changes.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertFunction, startTestServer, type TestServer, waitForJob } from "../support/server.ts";
import { mimePart, startSmtp, type TestSmtp } from "./smtpServer.ts";

let smtp: TestSmtp;
let server: TestServer;

beforeAll(async () => {
  smtp = await startSmtp();
  server = await startTestServer({
    workers: true,
    notify: {
      smtpUrl: smtp.url,
      mailFrom: "Jobs <jobs@fluxbase.test>",
      alertEmail: ["ops@fluxbase.test", "oncall@fluxbase.test"],
      alertOn: "failed",
      retryBase: 100,
      maxAttempts: 3,
    },
  });
  await insertFunction(server, {
    name: "adds",
    code: "export async function main(p) { return { sum: p.a + p.b }; }",
  });
  await insertFunction(server, {
    name: "breaks",
    code: "export default () => { throw new Error('the disk is full') }",
    max_retries: 0,
  });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await smtp?.close();
});

async function notification(jobId: string, until: (row: Record<string, any>) => boolean) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const rows = await server.db
      .sql`select * from jobs.notifications where job_id = ${jobId} and channel = 'mail'`;
    if (rows[0] && until(rows[0])) return rows[0];
    if (Date.now() > deadline) throw new Error(`mail for ${jobId} never got there: ${JSON.stringify(rows)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const mailsTo = (address: string) => smtp.mails.filter((mail) => mail.to.includes(address));

async function submit(token: string, body: Record<string, unknown>) {
  const response = await server.request("POST", "/api/v1/jobs/submit", { token, body });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe("notify: true", () => {
  it("mails the submitter a text and an HTML body when the job completes", async () => {
    const user = await server.user();
    const { status, body: job } = await submit(user.token, {
      job_name: "adds",
      payload: { a: 2, b: 40 },
      notify: true,
    });
    expect(status).toBe(201);
    expect(job.notify).toBe(true);
    await waitForJob(server, job.id);
    await notification(job.id, (row) => row.state === "delivered");
    const [mail] = mailsTo(user.email);
    expect(mail!.to).toEqual([user.email]);
    expect(mail!.from).toBe("jobs@fluxbase.test");
    expect(mail!.raw).toContain("Subject: [Fluxbase] adds completed");
    const text = mimePart(mail!.raw, "text/plain");
    expect(text).toContain("Function: default/adds");
    expect(text).toContain("Outcome: completed");
    expect(text).toMatch(/Duration: \d/);
    expect(text).toContain('"sum": 42');
    expect(text).toContain(`${server.url}/examples/admin/#job=${job.id}`);
    const html = mimePart(mail!.raw, "text/html");
    expect(html).toContain("<strong>adds</strong> completed");
    expect(html).toContain(`href="${server.url}/examples/admin/#job=${job.id}"`);
    expect(html).toContain("&#34;sum&#34;: 42");
  });

  it("mails the error when the job fails", async () => {
    const user = await server.user();
    const { body: job } = await submit(user.token, { job_name: "breaks", notify: true });
    await waitForJob(server, job.id);
    await notification(job.id, (row) => row.state === "delivered");
    const [mail] = mailsTo(user.email);
    expect(mail!.raw).toContain("Subject: [Fluxbase] breaks failed");
    expect(mimePart(mail!.raw, "text/plain")).toContain("the disk is full");
  });

  it("sends nothing for a job submitted without notify", async () => {
    const user = await server.user();
    const { body: job } = await submit(user.token, { job_name: "adds", payload: { a: 1, b: 1 } });
    await waitForJob(server, job.id);
    const rows = await server.db.sql`select 1 from jobs.notifications where job_id = ${job.id}`;
    expect(rows).toHaveLength(0);
  });

  it("refuses a token without an email claim: 400 NOTIFY_NO_EMAIL, nothing queued", async () => {
    const token = await server.token({ role: "authenticated", sub: randomUUID() });
    const { status, body } = await submit(token, { job_name: "adds", notify: true });
    expect(status).toBe(400);
    expect(body.code).toBe("NOTIFY_NO_EMAIL");
    const [{ count }] = await server.db
      .sql`select count(*)::int as count from jobs.queue where job_name = 'adds' and notify and user_email is null`;
    expect(count).toBe(0);
  });

  it("retries a failing SMTP server with growing backoff; the job stays completed", async () => {
    const user = await server.user();
    smtp.failNext(2);
    const { body: job } = await submit(user.token, {
      job_name: "adds",
      payload: { a: 1, b: 2 },
      notify: true,
    });
    const row = await notification(job.id, (r) => r.state === "delivered");
    expect(row.attempts).toBe(3);
    const attempts = await server.db.sql<{ error: string | null; gap: number | null }[]>`
      select error, extract(epoch from next_retry_at - attempted_at)::float8 as gap
      from jobs.notification_attempts where notification_id = ${row.id} order by attempt`;
    expect(attempts.map((a) => a.gap)).toEqual([0.1, 0.2, null]);
    expect(attempts[0]!.error).toContain("mailbox busy");
    expect(attempts[2]!.error).toBeNull();
    expect(mailsTo(user.email)).toHaveLength(1);
    expect((await waitForJob(server, job.id)).status).toBe("completed");
  });

  it("gives up after the last attempt with the error recorded; the job stays completed", async () => {
    const user = await server.user();
    smtp.failNext(1000);
    try {
      const { body: job } = await submit(user.token, {
        job_name: "adds",
        payload: { a: 1, b: 2 },
        notify: true,
      });
      const row = await notification(job.id, (r) => r.state === "failed");
      expect(row.attempts).toBe(3);
      expect(row.last_error).toContain("mailbox busy");
      const [job2] = await server.db.sql`select status, result from jobs.queue where id = ${job.id}`;
      expect(job2).toEqual({ status: "completed", result: { sum: 3 } });
      expect(mailsTo(user.email)).toHaveLength(0);
    } finally {
      smtp.failNext(0);
    }
  });
});

describe("enqueue({ notify: true }) from application code", () => {
  it("mails onBehalfOf.email, and refuses a submit with no email before writing", async () => {
    const user = await server.user();
    const job = await server.fluxbase.jobs.enqueue(
      "adds",
      { a: 5, b: 5 },
      { notify: true, onBehalfOf: { userId: user.id, email: user.email } },
    );
    await notification(job.id, (row) => row.state === "delivered");
    expect(mailsTo(user.email)[0]!.raw).toContain("Subject: [Fluxbase] adds completed");
    const before = await server.db.sql`select count(*)::int as n from jobs.queue`;
    await expect(server.fluxbase.jobs.enqueue("adds", {}, { notify: true })).rejects.toMatchObject({
      status: 400,
      code: "NOTIFY_NO_EMAIL",
    });
    expect(await server.db.sql`select count(*)::int as n from jobs.queue`).toEqual(before);
  });
});

describe("alerts on scheduled runs (FLUXBASE_JOBS_ALERT_ON=failed)", () => {
  const scheduledRun = async (name: string) => {
    const [row] = await server.db.sql<{ id: string }[]>`
      insert into jobs.queue (namespace, function_id, job_name, payload, max_retries, idempotency_key, user_role)
      select namespace, id, name, '{"a":1,"b":1}', 0, ${`schedule:${randomUUID()}`}, 'service_role'
      from jobs.functions where name = ${name}
      returning id`;
    return row!.id;
  };

  it("mails every alert address when a scheduled run fails", async () => {
    const id = await scheduledRun("breaks");
    await waitForJob(server, id);
    await notification(id, (row) => row.state === "delivered");
    const mail = smtp.mails.find((m) => m.raw.includes(id));
    expect(mail!.to).toEqual(["ops@fluxbase.test", "oncall@fluxbase.test"]);
    expect(mail!.raw).toContain("Subject: [Fluxbase] breaks failed");
  });

  it("skips a scheduled run that completes", async () => {
    const id = await scheduledRun("adds");
    await waitForJob(server, id);
    const row = await notification(id, (r) => r.state !== "pending");
    expect(row.state).toBe("skipped");
    expect(smtp.mails.some((m) => m.raw.includes(id))).toBe(false);
  });
});

describe("without SMTP", () => {
  it("refuses notify: true with 400 NOTIFY_UNAVAILABLE and writes nothing", async () => {
    const bare = await startTestServer();
    try {
      await insertFunction(bare, { name: "adds" });
      const user = await bare.user();
      const response = await bare.request("POST", "/api/v1/jobs/submit", {
        token: user.token,
        body: { job_name: "adds", notify: true },
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { code: string }).code).toBe("NOTIFY_UNAVAILABLE");
      const [{ count }] = await bare.db.sql`select count(*)::int as count from jobs.queue`;
      expect(count).toBe(0);
    } finally {
      await bare.stop();
    }
  });
});
