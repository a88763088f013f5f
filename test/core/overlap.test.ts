/**
 * Overlap policies and dedupe keys against real Postgres: `overlap: reject` refuses a second
 * active job with the same key (race-free under 50 concurrent submits), per user or global, from
 * annotations and from defineJob; `dedupe_key` answers (or replaces) the pending job it meets.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpError } from "../../server/errors.ts";
import { defineJob } from "../../server/handlers/defineJob.ts";
import { startTestServer, type TestServer, type TestUser } from "../support/server.ts";

const noop = "export default async () => 'ok';\n";
const files: Record<string, string> = {
  "per-account.ts": `// @fluxbase:overlap reject\n// @fluxbase:overlap-key account.id\n${noop}`,
  "whole-function.ts": `// @fluxbase:overlap reject\n${noop}`,
  "global-report.ts": `// @fluxbase:overlap reject\n// @fluxbase:overlap-key report\n// @fluxbase:overlap-scope global\n${noop}`,
  "plain.ts": noop,
};
const sync = defineJob({
  name: "sync-mailbox",
  overlap: { policy: "reject", key: "mailbox" },
  handler: async () => "synced",
});

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "fluxbase-overlap-"));
  mkdirSync(path.join(dir, "jobs"));
  for (const [file, source] of Object.entries(files)) writeFileSync(path.join(dir, "jobs", file), source);
  server = await startTestServer({ jobs: { dir: path.join(dir, "jobs") }, handlers: [sync] });
  alice = await server.user();
  bob = await server.user();
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const submit = (token: string, body: Record<string, unknown>) =>
  server.request("POST", "/api/v1/jobs/submit", { token, body });
const finish = (id: string) => server.db.sql`update jobs.queue set status = 'completed' where id = ${id}`;

describe("overlap: reject", () => {
  it("lets exactly one of 50 concurrent submits in; the others get 409 with its id", async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        submit(alice.token, { job_name: "per-account", payload: { account: { id: 7 } } }),
      ),
    );
    const created = responses.filter((res) => res.status === 201);
    expect(created).toHaveLength(1);
    const { id } = await created[0]!.json();
    const refused = responses.filter((res) => res.status === 409);
    expect(refused).toHaveLength(49);
    for (const res of refused) {
      const body = await res.json();
      expect(body).toMatchObject({
        code: "JOB_ALREADY_ACTIVE",
        existing_run_id: id,
        job_name: "per-account",
      });
      expect(body.error).toMatch(/already pending or running/);
    }
    const [{ n }] = await server.db
      .sql`select count(*)::int as n from jobs.queue where job_name = 'per-account'`;
    expect(n).toBe(1);
  });

  it("keys by the payload value and by user; a finished job frees its key", async () => {
    const first = await submit(alice.token, { job_name: "per-account", payload: { account: { id: 8 } } });
    expect(first.status).toBe(201);
    const other = await submit(bob.token, { job_name: "per-account", payload: { account: { id: 8 } } });
    expect(other.status).toBe(201);
    const again = await submit(alice.token, { job_name: "per-account", payload: { account: { id: 8 } } });
    expect(again.status).toBe(409);
    await finish((await first.json()).id);
    const after = await submit(alice.token, { job_name: "per-account", payload: { account: { id: 8 } } });
    expect(after.status).toBe(201);
  });

  it("without a key path, one active job per user for the whole function; a running one counts", async () => {
    const first = await submit(alice.token, { job_name: "whole-function", payload: { a: 1 } });
    expect(first.status).toBe(201);
    const { id } = await first.json();
    await server.db.sql`update jobs.queue set status = 'running', lease_expires_at = now() + interval '1 hour'
      where id = ${id}`;
    const second = await submit(alice.token, { job_name: "whole-function", payload: { a: 2 } });
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ existing_run_id: id });
  });

  it("with scope global, refuses another user's submit without showing them the job", async () => {
    const mine = await submit(alice.token, {
      job_name: "global-report",
      payload: { report: "q4", secret: "s3" },
    });
    expect(mine.status).toBe(201);
    const { id } = await mine.json();
    const theirs = await submit(bob.token, { job_name: "global-report", payload: { report: "q4" } });
    expect(theirs.status).toBe(409);
    const body = await theirs.json();
    expect(body).toMatchObject({ code: "JOB_ALREADY_ACTIVE", existing_run_id: id });
    expect(JSON.stringify(body)).not.toContain("s3");
    // The id is not a way in: the job stays alice's.
    expect((await server.request("GET", `/api/v1/jobs/${id}`, { token: bob.token })).status).toBe(404);
  });

  it("compares the dedupe_key instead of the payload's value when one is given", async () => {
    const a = await submit(alice.token, {
      job_name: "per-account",
      payload: { account: { id: 9 } },
      dedupe_key: "k1",
    });
    expect(a.status).toBe(201);
    const b = await submit(alice.token, {
      job_name: "per-account",
      payload: { account: { id: 10 } },
      dedupe_key: "k1",
    });
    expect(b.status).toBe(409);
  });

  it("applies to trusted handlers from defineJob, through enqueue as through HTTP", async () => {
    const first = await server.fluxbase.jobs.enqueue("sync-mailbox", { mailbox: "inbox" });
    expect(first.created).toBe(true);
    const error = await server.fluxbase.jobs.enqueue("sync-mailbox", { mailbox: "inbox" }).catch((e) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({
      status: 409,
      code: "JOB_ALREADY_ACTIVE",
      context: { existing_run_id: first.id },
    });
    const res = await server.request("GET", "/api/v1/admin/jobs/functions", { token: server.serviceKey });
    const { functions: fns } = await res.json();
    const byName = new Map((fns as { name: string }[]).map((fn) => [fn.name, fn]));
    expect(byName.get("sync-mailbox")).toMatchObject({
      overlap: { policy: "reject", key: "mailbox", scope: "user" },
    });
    expect(byName.get("global-report")).toMatchObject({
      overlap: { policy: "reject", key: "report", scope: "global" },
    });
    expect(byName.get("plain")).toMatchObject({ overlap: null });
  });
});

describe("overlap: reject on the other paths that create jobs", () => {
  it("a resubmit and a schedule run meeting an active job start nothing and say why", async () => {
    const admin = await server.user("admin");
    const first = await submit(alice.token, { job_name: "per-account", payload: { account: { id: 11 } } });
    const { id } = await first.json();
    await finish(id);
    const again = await submit(alice.token, { job_name: "per-account", payload: { account: { id: 11 } } });
    const active = (await again.json()).id;
    const resubmit = await server.request("POST", `/api/v1/admin/jobs/queue/${id}/resubmit`, {
      token: admin.token,
    });
    expect(resubmit.status).toBe(409);
    expect(await resubmit.json()).toMatchObject({ code: "JOB_ALREADY_ACTIVE", existing_run_id: active });

    const created = await server.request("POST", "/api/v1/admin/jobs/schedules", {
      token: admin.token,
      body: {
        name: "sync-7",
        job_name: "global-report",
        cron: "@daily",
        payload: { report: "daily" },
        overlap: "allow",
      },
    });
    expect(created.status).toBe(201);
    const schedule = await created.json();
    const run = await server.request("POST", `/api/v1/admin/jobs/schedules/${schedule.id}/trigger`, {
      token: admin.token,
    });
    expect(run.status).toBe(201);
    const second = await server.request("POST", `/api/v1/admin/jobs/schedules/${schedule.id}/trigger`, {
      token: admin.token,
    });
    expect(second.status).toBe(409);
    const body = await second.json();
    expect(body.error).toContain("overlap: reject");
    expect(body.existing_run_id).toBe((await run.json()).id);
  });
});

describe("dedupe_key", () => {
  it("answers the pending job with 200 instead of adding another, and replaces it when asked", async () => {
    const first = await submit(alice.token, { job_name: "plain", payload: { v: 1 }, dedupe_key: "nightly" });
    expect(first.status).toBe(201);
    const { id } = await first.json();
    const kept = await submit(alice.token, { job_name: "plain", payload: { v: 2 }, dedupe_key: "nightly" });
    expect(kept.status).toBe(200);
    expect(await kept.json()).toMatchObject({ id, payload: { v: 1 } });
    const replaced = await submit(alice.token, {
      job_name: "plain",
      payload: { v: 3 },
      dedupe_key: "nightly",
      dedupe: "replace",
      delay: 3600,
    });
    expect(replaced.status).toBe(200);
    const job = await replaced.json();
    expect(job).toMatchObject({ id, payload: { v: 3 } });
    expect(new Date(job.scheduled_at).getTime()).toBeGreaterThan(Date.now() + 3500_000);
    // Bob's key is his own.
    expect((await submit(bob.token, { job_name: "plain", payload: {}, dedupe_key: "nightly" })).status).toBe(
      201,
    );
    // Once the job runs it is no longer pending: the next submit makes a new one.
    await server.db.sql`update jobs.queue set status = 'running', lease_expires_at = now() + interval '1 hour'
      where id = ${id}`;
    const next = await submit(alice.token, { job_name: "plain", payload: { v: 4 }, dedupe_key: "nightly" });
    expect(next.status).toBe(201);
    expect((await next.json()).id).not.toBe(id);
  });

  it("refuses a bad dedupe option with 400 and writes nothing", async () => {
    const before = await server.db.sql`select count(*)::int as n from jobs.queue`;
    for (const body of [
      { job_name: "plain", dedupe_key: "" },
      { job_name: "plain", dedupe_key: "x".repeat(501) },
      { job_name: "plain", dedupe_key: "k", dedupe: "merge" },
    ]) {
      const res = await submit(alice.token, body);
      expect(res.status).toBe(400);
      expect((await res.json()).code).toBe("VALIDATION_ERROR");
    }
    expect(await server.db.sql`select count(*)::int as n from jobs.queue`).toEqual(before);
  });
});

it("refuses annotations that cannot work with 400 INVALID_ANNOTATION", async () => {
  for (const [code, message] of [
    [
      `// @fluxbase:overlap-key account.id\n${noop}`,
      "@fluxbase:overlap-key has no effect without @fluxbase:overlap reject",
    ],
    [`// @fluxbase:overlap sometimes\n${noop}`, "expected allow, reject, queue or supersede"],
    [`// @fluxbase:overlap reject\n// @fluxbase:overlap-key a..b\n${noop}`, "expected a dotted payload path"],
  ] as const) {
    const res = await server.request("POST", "/api/v1/admin/jobs/functions", {
      token: server.serviceKey,
      body: { name: "stray", code },
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.code).toBe("INVALID_ANNOTATION");
    expect(body.error).toContain(message);
  }
});

it("refuses a bad overlap in defineJob at start-up, naming it", async () => {
  const bad = defineJob({
    name: "bad-overlap",
    overlap: { policy: "sometimes" as "reject" },
    handler: async () => null,
  });
  const error = await startTestServer({ handlers: [bad] }).then(
    async (started) => {
      await started.stop();
      return undefined;
    },
    (e: Error) => e,
  );
  expect(String(error?.message)).toContain(
    'overlap.policy must be "allow", "reject", "queue" or "supersede"',
  );
});
