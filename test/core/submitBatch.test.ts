/**
 * Submits in the same event-loop turn share one transaction (their rows share an xmin), those of one
 * caller one insert, with row-level security deciding every row as its own caller; a submit the
 * statements do not insert takes the long way and gets its own answer, and one that makes Postgres
 * refuse the transaction fails alone.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFluxbase, type Fluxbase } from "../../server/app.ts";
import { mintToken } from "../../server/auth/mintToken.ts";
import { createTokenVerifier } from "../../server/auth/verifyToken.ts";
import { createSql, type Sql } from "../../server/db/createSql.ts";
import { createLogger } from "../../server/log.ts";
import { submitAsCaller } from "../../server/queue/submitAsCaller.ts";
import type { SubmitJobInput } from "../../server/queue/submitJob.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { testJwtSecret } from "../support/server.ts";

let db: TestDatabase;
let sql: Sql;
let fluxbase: Fluxbase;
let url: string;
let dataDir: string;
const verify = createTokenVerifier(testJwtSecret);
const token = (claims: { role: string; sub?: string }) => mintToken(testJwtSecret, claims);
const user = async () => {
  const id = crypto.randomUUID();
  return { id, identity: await verify(await token({ role: "authenticated", sub: id })) };
};
const job = (input: Partial<SubmitJobInput> = {}): SubmitJobInput => ({
  job_name: "noop",
  namespace: "default",
  payload: {},
  priority: 0,
  ...input,
});

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createSql(db.url, { max: 4 });
  dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-batch-"));
  fluxbase = createFluxbase({
    env: {},
    options: {
      port: 0,
      host: "127.0.0.1",
      databaseUrl: db.url,
      jwtSecret: testJwtSecret,
      dataDir,
      jobs: { enabled: false },
    },
    logger: createLogger("error"),
  });
  url = (await fluxbase.start()).url;
  await db.sql`insert into jobs.functions (name, source, code, max_retries) values ('noop', 'x', 'export default () => 1', 2)`;
});
afterAll(async () => {
  await fluxbase?.stop();
  await sql?.end();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("submits batched by caller", () => {
  it("twelve submits of one caller in one turn are one transaction, each its own job and the caller's", async () => {
    const { id, identity } = await user();
    await submitAsCaller(sql, identity, job());
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => submitAsCaller(sql, identity, job({ payload: { i } }))),
    );
    const ids = results.map((r) => r.job.id);
    const [{ transactions }] = await db.sql<{ transactions: number }[]>`
      select count(distinct xmin::text)::int as transactions from jobs.queue where id = any(${ids}::uuid[])`;
    expect(transactions).toBe(1);
    expect(results.every((r) => r.created)).toBe(true);
    expect(results.map((r) => r.job.payload)).toEqual(Array.from({ length: 12 }, (_, i) => ({ i })));
    expect(new Set(ids).size).toBe(12);
    const [{ count }] = await db.sql<{ count: number }[]>`
      select count(*)::int as count from jobs.queue where created_by = ${id} and status = 'pending'`;
    expect(count).toBe(13);
  });

  it("two callers in one turn share the transaction, each row checked as and owned by its own caller", async () => {
    const [a, b] = [await user(), await user()];
    const results = await Promise.all(
      [a, b, a, b, a, b].map((caller, i) => submitAsCaller(sql, caller.identity, job({ payload: { i } }))),
    );
    expect(results.map((r) => r.job.created_by)).toEqual([a.id, b.id, a.id, b.id, a.id, b.id]);
    const [{ transactions }] = await db.sql<{ transactions: number }[]>`
      select count(distinct xmin::text)::int as transactions from jobs.queue
      where id = any(${results.map((r) => r.job.id)}::uuid[])`;
    expect(transactions).toBe(1);
  });

  it("a submit the statement does not insert gets its own answer; the rest of its batch is inserted", async () => {
    const { id, identity } = await user();
    const earlier = await submitAsCaller(sql, identity, job({ idempotency_key: "k1" }));
    const results = await Promise.allSettled([
      submitAsCaller(sql, identity, job({ payload: { n: 1 } })),
      submitAsCaller(sql, identity, job({ job_name: "missing" })),
      submitAsCaller(sql, identity, job({ idempotency_key: "k1" })),
      submitAsCaller(sql, identity, job({ max_retries: 5 })),
      submitAsCaller(sql, identity, job({ idempotency_key: "k2", payload: { first: true } })),
      submitAsCaller(sql, identity, job({ idempotency_key: "k2", payload: { first: false } })),
      submitAsCaller(sql, identity, job({ payload: { n: 2 } })),
    ]);
    const value = (i: number) =>
      (results[i] as PromiseFulfilledResult<{ created: boolean; job: { id: string } }>).value;
    const reason = (i: number) => (results[i] as PromiseRejectedResult).reason;
    expect(value(0).created).toBe(true);
    expect(reason(1)).toMatchObject({ status: 404, code: "FUNCTION_NOT_FOUND" });
    expect(value(2)).toMatchObject({ created: false, job: { id: earlier.job.id } });
    expect(reason(3)).toMatchObject({ status: 400, code: "OPTION_ABOVE_LIMIT" });
    // The same key twice in one batch: the first is inserted, the second returns it.
    expect(value(4).created).toBe(true);
    expect(value(5)).toMatchObject({ created: false, job: { id: value(4).job.id } });
    expect(value(6).created).toBe(true);
    const rows = await db.sql`select payload from jobs.queue where created_by = ${id} order by payload::text`;
    expect(rows.map((r) => r.payload)).toEqual([{ first: true }, { n: 1 }, { n: 2 }, {}]);
  });

  it("a submit that makes Postgres refuse the transaction fails alone, and nothing of it is written", async () => {
    const service = await verify(await token({ role: "service_role" }));
    const other = await user();
    const owner = crypto.randomUUID();
    const onBehalf = (email: string) => job({ on_behalf_of: { user_id: owner, user_email: email } });
    const results = await Promise.allSettled([
      submitAsCaller(sql, service, onBehalf("a@example.com")),
      submitAsCaller(sql, service, onBehalf("b\u0000@example.com")),
      submitAsCaller(sql, service, onBehalf("c@example.com")),
      submitAsCaller(sql, other.identity, job()),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect((results[3] as PromiseFulfilledResult<{ job: { created_by: string } }>).value.job.created_by).toBe(
      other.id,
    );
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: "22021" });
    const rows =
      await db.sql`select user_email from jobs.queue where created_by = ${owner} order by user_email`;
    expect(rows.map((r) => r.user_email)).toEqual(["a@example.com", "c@example.com"]);
  });

  it("over HTTP, concurrent submits with one key answer each request on its own", async () => {
    const serviceToken = await token({ role: "service_role" });
    const owner = crypto.randomUUID();
    const submit = (email: string) =>
      fetch(`${url}/api/v1/jobs/submit`, {
        method: "POST",
        headers: { authorization: `Bearer ${serviceToken}`, "content-type": "application/json" },
        body: JSON.stringify({ job_name: "noop", on_behalf_of: { user_id: owner, user_email: email } }),
      });
    const responses = await Promise.all(["a@x.io", "b\u0000@x.io", "c@x.io", "d@x.io"].map(submit));
    expect(responses.map((r) => r.status)).toEqual([201, 400, 201, 201]);
    expect(await responses[1]!.json()).toMatchObject({ code: "INVALID_TEXT" });
    const created = await Promise.all([0, 2, 3].map(async (i) => (await responses[i]!.json()).user_email));
    expect(created).toEqual(["a@x.io", "c@x.io", "d@x.io"]);
  });
});
