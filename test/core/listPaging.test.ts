/** Job lists: time filters, keyset paging with next_cursor, and unknown parameters refused. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestUser } from "../support/server.ts";

let server: TestServer;
let user: TestUser;
let ids: string[];

beforeAll(async () => {
  server = await startTestServer();
  user = await server.user();
  // One statement: 45 jobs share one created_at, so only the id orders them.
  const rows = await server.db.sql<{ id: string }[]>`
    insert into jobs.queue (job_name, created_by, created_at)
    select 'paged', ${user.id}, now() - interval '1 hour' from generate_series(1, 45) returning id`;
  ids = rows.map((row) => row.id);
  await server.db.sql`insert into jobs.queue (job_name, created_by, created_at)
    values ('paged', ${user.id}, now() - interval '3 days')`;
});
afterAll(async () => {
  await server?.stop();
});

const list = (query: string, token = user.token) => server.request("GET", `/api/v1/jobs?${query}`, { token });

it("pages with next_cursor through every job once, ties included, and ends with null", async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await list(`limit=10${cursor ? `&cursor=${cursor}` : ""}`);
    expect(res.status).toBe(200);
    const page = await res.json();
    expect(page.total).toBe(46);
    seen.push(...page.jobs.map((job: { id: string }) => job.id));
    cursor = page.next_cursor;
    pages++;
  } while (cursor && pages < 10);
  expect(pages).toBe(5);
  expect(new Set(seen).size).toBe(46);
  expect(seen.filter((id) => ids.includes(id))).toHaveLength(45);
});

it("lists oldest first with order=oldest, and pages forward in time with its cursor", async () => {
  const seen: { id: string; created_at: string }[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await list(`order=oldest&limit=20${cursor ? `&cursor=${cursor}` : ""}`);
    const page = await res.json();
    seen.push(...page.jobs);
    cursor = page.next_cursor;
    pages++;
  } while (cursor && pages < 10);
  expect(new Set(seen.map((job) => job.id)).size).toBe(46);
  // The one from three days ago comes first; the rest follow in creation order.
  expect(ids).not.toContain(seen[0]!.id);
  const times = seen.map((job) => Date.parse(job.created_at));
  expect([...times].sort((a, b) => a - b)).toEqual(times);
  expect((await list("order=sideways")).status).toBe(400);
});

it("filters by creation time", async () => {
  const since = new Date(Date.now() - 2 * 86_400_000).toISOString();
  const recent = await (await list(`created_after=${encodeURIComponent(since)}&limit=200`)).json();
  expect(recent.total).toBe(45);
  const old = await (await list(`created_before=${encodeURIComponent(since)}`)).json();
  expect(old.total).toBe(1);
  const admin = await (
    await server.request("GET", `/api/v1/admin/jobs/queue?created_before=${encodeURIComponent(since)}`, {
      token: server.serviceKey,
    })
  ).json();
  expect(admin.total).toBe(1);
});

it("refuses unknown parameters, bad times and bad cursors with 400", async () => {
  for (const query of ["since=1h", "created_after=yesterday", "cursor=bm9wZQ", "limit=10&sort=asc"]) {
    const res = await list(query);
    expect(res.status, query).toBe(400);
    expect((await res.json()).code, query).toBe("VALIDATION_ERROR");
  }
});

it("gives the SDK nextCursor", async () => {
  const { createClient } = await import("../../sdk/src/index.ts");
  const first = await createClient(server.url, user.token).jobs.list({ limit: 40 });
  expect(first.error).toBeNull();
  expect(first.nextCursor).toEqual(expect.any(String));
  const second = await createClient(server.url, user.token).jobs.list({
    limit: 40,
    cursor: first.nextCursor!,
  });
  expect(second.data).toHaveLength(6);
  expect(second.nextCursor).toBeNull();
});

it("finds an admin's jobs by the start of the submitter's email, wildcards taken literally", async () => {
  await server.db.sql`insert into jobs.queue (job_name, user_email) values
    ('mailed', 'Ada.Lovelace@example.com'), ('mailed', 'bob@example.com'), ('mailed', 'a_b@example.com')`;
  const admin = (query: string) =>
    server.request("GET", `/api/v1/admin/jobs/queue?job_name=mailed&${query}`, { token: server.serviceKey });
  const ada = await (await admin("user_email=ada.")).json();
  expect(ada.jobs.map((job: { user_email: string }) => job.user_email)).toEqual(["Ada.Lovelace@example.com"]);
  expect((await (await admin("user_email=%25")).json()).total).toBe(0);
  expect((await (await admin("user_email=a_")).json()).total).toBe(1);
});
