/**
 * Postgres at max_connections: requests that cannot get a connection answer 503 with Retry-After
 * and DATABASE_UNAVAILABLE (never 500), and a run that was executing still records its outcome
 * through the worker's own connections. On a Postgres cluster of this file's own.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createFluxbase, type Fluxbase } from "../../server/app.ts";
import { mintToken } from "../../server/auth/mintToken.ts";
import { createLogger } from "../../server/log.ts";
import { type OwnPostgres, startOwnPostgres } from "../support/ownPostgres.ts";
import { testJwtSecret } from "../support/server.ts";

let pg: OwnPostgres;
let fluxbase: Fluxbase;
let url: string;
let dataDir: string;
const held: postgres.Sql[] = [];

beforeAll(async () => {
  pg = await startOwnPostgres({ maxConnections: 40 });
  dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-conns-"));
  fluxbase = createFluxbase({
    env: {},
    options: {
      databaseUrl: pg.url,
      port: 0,
      dataDir,
      jwtSecret: testJwtSecret,
      jobs: { embeddedWorkerCount: 1, maxConcurrentPerWorker: 2, pollInterval: 200, dir: dataDir },
    },
    logger: createLogger("error"),
  });
  ({ url } = await fluxbase.start());
  await pg.sql`insert into jobs.functions (name, source, code) values
    ('slow', 'x', 'export async function handler() { await new Promise((r) => setTimeout(r, 3000)); return "done" }')`;
});

afterAll(async () => {
  await Promise.all(held.map((sql) => sql.end({ timeout: 1 }).catch(() => {})));
  await fluxbase?.stop();
  await pg?.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Takes every connection slot left (superuser slots too), holding each open. */
async function exhaust(): Promise<number> {
  for (;;) {
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    try {
      await sql`select 1`;
      held.push(sql);
    } catch (error) {
      await sql.end({ timeout: 1 }).catch(() => {});
      expect((error as { code?: string }).code).toBe("53300");
      return held.length;
    }
  }
}

it("answers 503 with Retry-After while no connection is free, and a running job still finishes", async () => {
  const user = await mintToken(testJwtSecret, { role: "authenticated", sub: randomUUID(), expiresIn: "1h" });
  const submitted = await fetch(`${url}/api/v1/jobs/submit`, {
    method: "POST",
    headers: { authorization: `Bearer ${user}`, "content-type": "application/json" },
    body: JSON.stringify({ job_name: "slow" }),
  });
  expect(submitted.status).toBe(201);
  const { id } = await submitted.json();
  for (;;) {
    const [row] = await pg.sql`select status from jobs.queue where id = ${id}`;
    if (row?.status === "running") break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await pg.sql.end();
  // Opened before the slots run out, to watch the job without freeing one.
  const check = postgres(pg.url, { max: 1, onnotice: () => {} });
  await check`select 1`;
  expect(await exhaust()).toBeGreaterThan(0);

  const answers = await Promise.all(
    Array.from({ length: 20 }, () =>
      fetch(`${url}/api/v1/jobs`, { headers: { authorization: `Bearer ${user}` } }),
    ),
  );
  const statuses = answers.map((res) => res.status);
  expect(statuses.filter((status) => status !== 200 && status !== 503)).toEqual([]);
  const refused = answers.filter((res) => res.status === 503);
  expect(refused.length).toBeGreaterThan(0);
  for (const res of refused) {
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await res.json()).toMatchObject({ code: "DATABASE_UNAVAILABLE" });
  }

  // The run finishes and its outcome lands while every slot is taken.
  const deadline = Date.now() + 20_000;
  let status = "";
  try {
    while (Date.now() < deadline && status !== "completed") {
      status = (await check`select status from jobs.queue where id = ${id}`)[0]?.status;
      if (status !== "completed") await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await check.end();
  }
  expect(status).toBe("completed");
});
