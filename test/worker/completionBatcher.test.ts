/**
 * Results of runs that end together are written in one statement; each run still learns whether
 * its own lease held, and a result the database refuses fails only its own run. Real Postgres.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createCompletionBatcher } from "../../server/worker/completionBatcher.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

async function runningJobs(n: number) {
  return db.sql<{ id: string; lease_token: string }[]>`
    insert into jobs.queue (job_name, status, lease_token, attempt, kind)
    select 'batched', 'running', gen_random_uuid(), 1, 'handler' from generate_series(1, ${n})
    returning id, lease_token`;
}

it("writes many results in one statement, each with its own answer", async () => {
  const leases = await runningJobs(50);
  const statements: string[] = [];
  const batcher = createCompletionBatcher(
    new Proxy(db.sql, {
      apply(target, self, args) {
        statements.push(String(args[0]?.[0] ?? ""));
        return Reflect.apply(target as never, self, args);
      },
    }),
  );
  const stolen = leases[0]!;
  const answers = await Promise.all(
    leases.map((lease, i) =>
      batcher.complete(lease === stolen ? { ...lease, lease_token: randomUUID() } : lease, { n: i }),
    ),
  );
  expect(statements).toHaveLength(1);
  expect(answers[0]).toBe(false);
  expect(answers.slice(1).every(Boolean)).toBe(true);
  const rows = await db.sql<
    { id: string; status: string; result: { n: number } | null; lease_token: string | null }[]
  >`
    select id, status, result, lease_token from jobs.queue where id = any(${leases.map((l) => l.id)}::uuid[])`;
  const byId = new Map(rows.map((row) => [row.id, row]));
  expect(byId.get(stolen.id)).toMatchObject({ status: "running", result: null });
  leases.slice(1).forEach((lease, i) => {
    expect(byId.get(lease.id)).toMatchObject({
      status: "completed",
      result: { n: i + 1 },
      lease_token: null,
    });
  });
});

it("fails only the run whose result the database refuses", async () => {
  const [good, bad, other] = await runningJobs(3);
  const batcher = createCompletionBatcher(db.sql);
  const outcomes = await Promise.allSettled([
    batcher.complete(good!, { ok: true }),
    batcher.complete(bad!, { text: "nul \u0000 inside" }),
    batcher.complete(other!, [1, 2]),
  ]);
  expect(outcomes[0]).toEqual({ status: "fulfilled", value: true });
  expect(outcomes[1]!.status).toBe("rejected");
  expect(outcomes[2]).toEqual({ status: "fulfilled", value: true });
  const [row] = await db.sql`select status from jobs.queue where id = ${bad!.id}`;
  expect(row!.status).toBe("running");
});

it("holds results that arrive during a write and sends them together in the next one", async () => {
  const leases = await runningJobs(11);
  const statements: number[] = [];
  let releaseFirst!: () => void;
  const firstHeld = new Promise<void>((resolve) => {
    releaseFirst = resolve;
  });
  const batcher = createCompletionBatcher(
    new Proxy(db.sql, {
      apply(target, self, args) {
        statements.push(statements.length);
        const query = Reflect.apply(target as never, self, args) as Promise<unknown>;
        // The first write answers only when the test lets it.
        return statements.length === 1 ? firstHeld.then(() => query) : query;
      },
    }),
  );
  const first = batcher.complete(leases[0]!, { n: 0 });
  await new Promise((resolve) => setTimeout(resolve, 20)); // the first write is now in flight
  const rest = leases.slice(1).map((lease, i) => batcher.complete(lease, { n: i + 1 }));
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(statements).toHaveLength(1); // the ten wait for the write in flight
  releaseFirst();
  expect(await Promise.all([first, ...rest])).toEqual(Array(11).fill(true));
  expect(statements).toHaveLength(2);
  const [{ n }] = await db.sql<{ n: number }[]>`
    select count(*)::int as n from jobs.queue where id = any(${leases.map((l) => l.id)}::uuid[]) and status = 'completed'`;
  expect(n).toBe(11);
});
