/**
 * A claim costs what it claims, not what is pending: the picked jobs are updated by primary key even
 * when the planner's statistics say the queue is empty (a fresh table, or a burst of submits before
 * autovacuum's next analyze). auto_explain shows the plan of the statements inside jobs.claim_jobs.
 */
import postgres from "postgres";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

it("updates the claimed rows by primary key whatever the statistics say", async () => {
  const [fn] = await db.sql<{ id: string }[]>`
    insert into jobs.functions (name, source, code) values ('plan', 'x', 'export default () => 1') returning id`;
  // Statistics taken when the queue held a few finished jobs, then a burst of 3,000 submits.
  await db.sql`
    insert into jobs.queue (namespace, function_id, job_name, payload, status)
    select 'default', ${fn!.id}, 'plan', '{}'::jsonb, 'completed' from generate_series(1, 5)`;
  await db.sql`analyze jobs.queue`;
  await db.sql`
    insert into jobs.queue (namespace, function_id, job_name, payload)
    select 'default', ${fn!.id}, 'plan', '{}'::jsonb from generate_series(1, 3000)`;

  const plans: string[] = [];
  const sql = postgres(db.url, { max: 1, onnotice: (notice) => plans.push(String(notice.message)) });
  const claimed = await sql.begin(async (tx) => {
    await tx.unsafe("LOAD 'auto_explain'");
    await tx.unsafe("SET LOCAL auto_explain.log_min_duration = 0");
    await tx.unsafe("SET LOCAL auto_explain.log_nested_statements = on");
    await tx.unsafe("SET LOCAL auto_explain.log_analyze = on");
    await tx.unsafe("SET LOCAL client_min_messages = log");
    return tx`select * from jobs.claim_jobs(gen_random_uuid(), 5, 10000, 60000, 'worker', '{}'::text[])`;
  });
  await sql.end();
  expect(claimed).toHaveLength(5);
  const claim = plans.find((plan) => plan.includes("UPDATE jobs.queue q SET"));
  expect(claim, plans.join("\n\n").slice(0, 2000)).toBeDefined();
  // No node of the claim's plan touches more than a few rows: the largest "actual ... rows=N".
  const touched = [...claim!.matchAll(/actual time=[\d.]+\.\.[\d.]+ rows=(\d+) loops=(\d+)/g)].map(
    ([, rows, loops]) => Number(rows) * Number(loops),
  );
  expect(Math.max(...touched)).toBeLessThan(100);
  // And the rows are found through the primary key: a partial index on pending rows that ends in
  // `id` also answers `id = any(...)`, with the same small row counts, by reading every entry.
  const lines = claim!.split("\n");
  const lookup = lines.findIndex((line) => line.includes("Index Cond: (id = ANY"));
  expect(lines[lookup - 1], claim).toMatch(/(Index Scan using|Bitmap Index Scan on) queue_pkey /);
});
