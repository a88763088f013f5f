/** Who may see and change which job: at the database level (as each role) and through HTTP. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSql, type Tx } from "../../server/db/createSql.ts";
import { type DbIdentity, readRowAsEach, withClaims } from "../../server/db/withClaims.ts";
import { insertFunction, startTestServer, type TestServer, type TestUser } from "../support/server.ts";

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;
let aliceJob: string;
let aliceFailedJob: string;
let bobJob: string;

const as = (user: TestUser | "anon" | "service"): DbIdentity =>
  user === "anon"
    ? { dbRole: "anon", claims: { role: "anon" } }
    : user === "service"
      ? { dbRole: "service_role", claims: { role: "service_role" } }
      : { dbRole: "authenticated", claims: { role: user.role, sub: user.id, email: user.email } };
const run = <T>(who: Parameters<typeof as>[0], work: (tx: Tx) => Promise<T>) =>
  withClaims(server.db.sql, as(who), work);

beforeAll(async () => {
  server = await startTestServer();
  [alice, bob, admin] = [await server.user(), await server.user(), await server.user("admin")];
  await insertFunction(server, { name: "work" });
  const submit = async (user: TestUser) =>
    (
      await (
        await server.request("POST", "/api/v1/jobs/submit", { token: user.token, body: { job_name: "work" } })
      ).json()
    ).id;
  aliceJob = await submit(alice);
  aliceFailedJob = await submit(alice);
  bobJob = await submit(bob);
  await server.db
    .sql`update jobs.queue set status = 'failed', error_message = 'x' where id = ${aliceFailedJob}`;
  await server.db
    .sql`insert into jobs.logs (job_id, line_number, message) values (${aliceJob}, 1, 'alice secret log')`;
});
afterAll(() => server.stop());

describe("RLS at the database", () => {
  it("users read only their own jobs and logs; admins and service read all; anon reads none", async () => {
    const ids = async (who: Parameters<typeof as>[0]) =>
      (await run(who, (tx) => tx<{ id: string }[]>`select id from jobs.queue`)).map((r) => r.id).sort();
    expect(await ids(alice)).toEqual([aliceJob, aliceFailedJob].sort());
    expect(await ids(bob)).toEqual([bobJob]);
    expect(await ids("anon")).toEqual([]);
    expect(await ids(admin)).toEqual([aliceJob, aliceFailedJob, bobJob].sort());
    expect(await ids("service")).toEqual([aliceJob, aliceFailedJob, bobJob].sort());
    const logs = async (who: Parameters<typeof as>[0]) => run(who, (tx) => tx`select message from jobs.logs`);
    expect(await logs(alice)).toHaveLength(1);
    expect(await logs(bob)).toHaveLength(0);
    expect(await logs(admin)).toHaveLength(1);
  });

  it("one statement reads a row as each of several callers, each under its own role and claims", async () => {
    const hidden = ["lease_token", "idempotency_key"];
    const callers = [as(alice), as(bob), as("anon"), as(admin), as(alice), as("service")];
    // One connection, so the check at the end looks at the connection the reads used.
    const one = createSql(server.db.url, { max: 1 });
    const alices = await readRowAsEach(one, callers, "jobs.queue", aliceJob, hidden);
    expect(alices.visible).toEqual([true, false, false, true, true, true]);
    expect(alices.row).toMatchObject({ id: aliceJob, created_by: alice.id });
    expect(Object.keys(alices.row!)).not.toContain("lease_token");
    expect(Object.keys(alices.row!)).not.toContain("idempotency_key");
    // Claims do not carry over: bob after alice sees his own job, alice after bob does not.
    const bobs = await readRowAsEach(one, [as(bob), as(alice), as(bob)], "jobs.queue", bobJob, hidden);
    expect(bobs.visible).toEqual([true, false, true]);
    expect(bobs.row).toMatchObject({ id: bobJob });
    // Nobody sees it: no row at all.
    expect(await readRowAsEach(one, [as(bob), as("anon")], "jobs.queue", aliceJob, hidden)).toEqual({
      visible: [false, false],
      row: null,
    });
    // A caller whose role may not read the table (anon on jobs.logs) sees nothing; the next still reads.
    const [log] = await one<{ id: string }[]>`select id from jobs.logs where job_id = ${aliceJob}`;
    const logs = await readRowAsEach(
      one,
      [as("anon"), as(bob), as(alice), as(admin)],
      "jobs.logs",
      log!.id,
      [],
    );
    expect(logs.visible).toEqual([false, false, true, true]);
    expect(logs.row).toMatchObject({ message: "alice secret log" });
    // Nothing of any caller stays on the connection afterwards.
    const [after] = await one`
      select current_user as role, coalesce(current_setting('request.jwt.claims', true), '') as claims`;
    expect(after!.role).not.toMatch(/^(anon|authenticated|service_role)$/);
    expect(after!.claims).toBe("");
    // Roles outside the allow-list and tables realtime does not serve are refused, in Postgres too.
    const outside = { dbRole: "postgres", claims: {} } as unknown as DbIdentity;
    await expect(readRowAsEach(one, [outside], "jobs.queue", aliceJob, hidden)).rejects.toThrow(/refusing/);
    await expect(
      one`select * from jobs.read_row_as_each('jobs.queue', ${aliceJob}, '{postgres}', '{"{}"}', '{}')`,
    ).rejects.toThrow(/refusing to run as role postgres/);
    await expect(readRowAsEach(one, [as(alice)], "auth.users", aliceJob, [])).rejects.toThrow(
      /not a realtime table/,
    );
    await one.end();
  });

  it("only the server may call the read-as-each function: a caller could otherwise forge claims", async () => {
    for (const who of [alice, "anon", "service"] as const) {
      await expect(
        run(
          who,
          (tx) =>
            tx`select * from jobs.read_row_as_each('jobs.queue', ${bobJob}, '{authenticated}', ${[JSON.stringify({ sub: bob.id })]}, '{}')`,
        ),
      ).rejects.toMatchObject({ code: "42501" });
    }
  });

  it("a user cannot plant a job owned by someone else", async () => {
    await expect(
      run(alice, (tx) => tx`insert into jobs.queue (job_name, created_by) values ('work', ${bob.id})`),
    ).rejects.toMatchObject({ code: "42501" });
    await expect(
      run(alice, (tx) => tx`insert into jobs.queue (job_name) values ('work')`),
    ).rejects.toMatchObject({
      code: "42501",
    });
  });

  it("a user's insert cannot forge system columns", async () => {
    const [row] = await run(
      alice,
      (tx) => tx<{ status: string; result: unknown; attempt: number }[]>`
      insert into jobs.queue (job_name, created_by, status, result, attempt)
      values ('work', ${alice.id}, 'completed', '{"forged": true}', 99)
      returning status, result, attempt`,
    );
    expect(row).toEqual({ status: "pending", result: null, attempt: 0 });
  });

  it("a user can change nothing but status, and only to cancelled", async () => {
    await expect(
      run(alice, (tx) => tx`update jobs.queue set payload = '{"x":1}' where id = ${aliceJob}`),
    ).rejects.toMatchObject({ code: "42501" });
    await expect(
      run(alice, (tx) => tx`update jobs.queue set status = 'cancelled', result = '1' where id = ${aliceJob}`),
    ).rejects.toMatchObject({ code: "42501" });
    await expect(
      run(alice, (tx) => tx`update jobs.queue set status = 'completed' where id = ${aliceJob}`),
    ).rejects.toMatchObject({ code: "42501" });
    await expect(
      run(
        alice,
        (tx) => tx`update jobs.queue set created_by = ${bob.id}, status = 'cancelled' where id = ${aliceJob}`,
      ),
    ).rejects.toMatchObject({ code: "42501" });
    const [row] = await server.db.sql`select status, payload from jobs.queue where id = ${aliceJob}`;
    expect(row).toMatchObject({ status: "pending", payload: {} });
  });

  it("a user's update of another user's job touches nothing", async () => {
    const updated = await run(
      alice,
      (tx) => tx`update jobs.queue set status = 'cancelled' where id = ${bobJob}`,
    );
    expect(updated.count).toBe(0);
    // Deleting is for admins (retention purges): a user's delete, even of their own job, finds nothing.
    const deleted = await run(alice, (tx) => tx`delete from jobs.queue where id = ${aliceJob}`);
    expect(deleted.count).toBe(0);
    expect(await server.db.sql`select id from jobs.queue where id = ${aliceJob}`).toHaveLength(1);
  });

  it("only the owner or an admin can retry through jobs.retry_job", async () => {
    expect(await run(bob, (tx) => tx`select * from jobs.retry_job(${aliceFailedJob})`)).toHaveLength(0);
    const [row] = await server.db.sql`select status from jobs.queue where id = ${aliceFailedJob}`;
    expect(row!.status).toBe("failed");
  });

  it("callers can look functions up but never read their source or bundle", async () => {
    const rows = await run(alice, (tx) => tx`select name, enabled, require_roles from jobs.functions`);
    expect(rows.map((r) => r.name)).toContain("work");
    await expect(run(alice, (tx) => tx`select source from jobs.functions`)).rejects.toMatchObject({
      code: "42501",
    });
    await expect(run("anon", (tx) => tx`select code from jobs.functions`)).rejects.toMatchObject({
      code: "42501",
    });
  });

  it("workers are visible to admins only", async () => {
    await server.db
      .sql`insert into jobs.workers (name, hostname, pid, max_concurrent_jobs) values ('w', 'h', 1, 5)`;
    expect(await run(alice, (tx) => tx`select * from jobs.workers`)).toHaveLength(0);
    expect(await run(admin, (tx) => tx`select * from jobs.workers`)).toHaveLength(1);
  });

  it("forces RLS on every jobs table, and no policy is granted to PUBLIC", async () => {
    const tables = await server.db.sql<
      { relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }[]
    >`
      select c.relname, c.relrowsecurity, c.relforcerowsecurity from pg_class c
      join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'jobs' and c.relkind = 'r'`;
    expect(tables.length).toBeGreaterThanOrEqual(4);
    for (const table of tables)
      expect(table, table.relname).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
    const publicPolicies = await server.db
      .sql`select policyname from pg_policies where schemaname = 'jobs' and 'public' = any(roles)`;
    expect(publicPolicies).toHaveLength(0);
  });
});

describe("RLS through HTTP", () => {
  const call = (method: string, route: string, user: TestUser | string) =>
    server.request(method, route, { token: typeof user === "string" ? user : user.token });

  it("another user's job is indistinguishable from a missing one", async () => {
    const missing = "00000000-0000-4000-8000-000000000000";
    for (const [method, suffix] of [
      ["GET", ""],
      ["GET", "/logs"],
      ["POST", "/cancel"],
      ["POST", "/retry"],
    ] as const) {
      const theirs = await call(method, `/api/v1/jobs/${aliceJob}${suffix}`, bob);
      const none = await call(method, `/api/v1/jobs/${missing}${suffix}`, bob);
      expect(theirs.status, `${method} ${suffix}`).toBe(404);
      expect(none.status).toBe(404);
      const [a, b] = [await theirs.json(), await none.json()];
      expect(a.code).toBe(b.code);
      expect(a.error.replace(aliceJob, "ID")).toBe(b.error.replace(missing, "ID"));
    }
    const failedRetry = await call("POST", `/api/v1/jobs/${aliceFailedJob}/retry`, bob);
    expect(failedRetry.status).toBe(404);
  });

  it("a user never learns of another's jobs in a listing, even filtered", async () => {
    const page = await (await call("GET", "/api/v1/jobs?job_name=work&limit=200", bob)).json();
    expect(page.jobs.map((j: { id: string }) => j.id)).toEqual([bobJob]);
    expect(page.total).toBe(1);
  });

  it("anon sees nothing and cannot cancel", async () => {
    expect((await (await call("GET", "/api/v1/jobs", server.anonKey)).json()).total).toBe(0);
    // anon holds no UPDATE grant at all, so the answer is the same 403 whether the job exists or not.
    const existing = await call("POST", `/api/v1/jobs/${aliceJob}/cancel`, server.anonKey);
    const missing = await call(
      "POST",
      "/api/v1/jobs/00000000-0000-4000-8000-000000000000/cancel",
      server.anonKey,
    );
    expect(existing.status).toBe(403);
    expect(missing.status).toBe(403);
    expect((await existing.json()).code).toBe((await missing.json()).code);
  });

  it("admin endpoints: 403 for users and anon, open to admin and service", async () => {
    for (const route of [
      "/api/v1/admin/jobs/queue",
      "/api/v1/admin/jobs/stats",
      "/api/v1/admin/jobs/workers",
    ]) {
      expect((await call("GET", route, alice)).status).toBe(403);
      expect((await call("GET", route, server.anonKey)).status).toBe(403);
      expect((await call("GET", route, admin)).status).toBe(200);
      expect((await call("GET", route, server.serviceKey)).status).toBe(200);
    }
  });

  it("admins cancel and retry anyone's jobs", async () => {
    const retried = await call("POST", `/api/v1/admin/jobs/queue/${aliceFailedJob}/retry`, admin);
    expect(retried.status).toBe(200);
    expect((await retried.json()).status).toBe("pending");
    const cancelled = await call("POST", `/api/v1/admin/jobs/queue/${bobJob}/terminate`, admin);
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ status: "cancelled", cancel_mode: "terminate" });
  });

  it("the owner cancels their own job", async () => {
    const res = await call("POST", `/api/v1/jobs/${aliceJob}/cancel`, alice);
    expect(res.status).toBe(200);
    expect((await res.json()).status).toBe("cancelled");
  });
});
