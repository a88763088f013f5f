/**
 * REST (/rest/v1) read path: requests/s and p50/p99 latency of a primary-key select with a user token
 * (RLS on), from N concurrent loopback clients for a few seconds; and Postgres round trips per
 * request, counted by a TCP proxy between a second server and the database (a round trip = the client
 * speaking again after the server answered), next to the jobs API's GET /api/v1/jobs/:id.
 * The servers run in a child process so the load generator does not share their event loop.
 *
 *   node --import tsx bench/rest.ts       (BENCH_REST_CLIENTS=16 BENCH_REST_SECONDS=5; also in `npm run bench`)
 */
import { fork } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createFluxbase, type Fluxbase } from "../server/app.ts";
import { mintToken } from "../server/auth/mintToken.ts";
import { createSql } from "../server/db/createSql.ts";
import { startEmbeddedPostgres } from "../server/db/embeddedPostgres.ts";
import { createLogger } from "../server/log.ts";
import { fmt } from "./benchServer.ts";
import { closedLoop } from "./closedLoop.ts";
import { countingProxy } from "./roundTripProxy.ts";

const clients = Number(process.env.BENCH_REST_CLIENTS ?? 16);
const seconds = Number(process.env.BENCH_REST_SECONDS ?? 5);
const rows = 10_000;

interface Started {
  direct: string;
  counted: string;
  databaseUrl: string;
}

/** Child process: embedded Postgres, the proxy, a direct server and a counted one. */
async function serve(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "fluxbase-bench-rest-"));
  chmodSync(dir, 0o755); // as root, the embedded Postgres runs as the postgres user
  const logger = createLogger("error");
  const pg = await startEmbeddedPostgres(path.join(dir, "data"), logger);
  const proxy = await countingProxy(pg.port);
  const proxied = new URL(pg.url);
  proxied.port = String(proxy.port);
  const servers: Fluxbase[] = [];
  const start = async (databaseUrl: string) => {
    const fluxbase = createFluxbase({
      env: {},
      options: {
        port: 0,
        databaseUrl,
        dataDir: path.join(dir, "data"),
        jwtSecret: process.env.BENCH_JWT_SECRET!,
        logLevel: "error",
        jobs: { enabled: false },
      },
      logger,
    });
    servers.push(fluxbase);
    return (await fluxbase.start()).url;
  };
  const started: Started = {
    direct: await start(pg.url),
    counted: await start(proxied.toString()),
    databaseUrl: pg.url,
  };
  process.send!(started);
  process.on("message", async (message) => {
    if (message === "turns") process.send!({ turns: proxy.turns() });
    if (message === "stop") {
      for (const server of servers) await server.stop();
      proxy.close();
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    }
  });
}

function startChild(jwtSecret: string) {
  const child = fork(fileURLToPath(import.meta.url), ["--serve"], {
    execArgv: process.execArgv,
    env: { ...process.env, BENCH_JWT_SECRET: jwtSecret },
  });
  const ask = <T>(message: string) =>
    new Promise<T>((resolve) => {
      child.once("message", (answer) => resolve(answer as T));
      child.send(message);
    });
  return new Promise<Started & { turns: () => Promise<number>; stop: () => Promise<void> }>(
    (resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`the bench server exited with ${code}`)));
      child.once("message", (started: Started) => {
        child.removeAllListeners("exit");
        resolve({
          ...started,
          turns: async () => (await ask<{ turns: number }>("turns")).turns,
          stop: () =>
            new Promise<void>((done) => {
              child.once("exit", () => done());
              child.send("stop");
            }),
        });
      });
    },
  );
}

export interface RestBenchResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  restRoundTrips: number;
  jobsRoundTrips: number;
}

export async function run(): Promise<RestBenchResult> {
  const jwtSecret = randomBytes(32).toString("base64url");
  const child = await startChild(jwtSecret);
  const userId = randomUUID();
  const token = await mintToken(jwtSecret, { role: "authenticated", sub: userId });
  const sql = createSql(child.databaseUrl, { max: 1 });
  try {
    await sql.unsafe(`
      create table app.bench_items (id bigint primary key, owner uuid not null, title text not null, n int not null);
      alter table app.bench_items enable row level security;
      alter table app.bench_items force row level security;
      create policy own on app.bench_items for select to authenticated using (owner = auth.uid());
      grant select on app.bench_items to authenticated;`);
    await sql`insert into app.bench_items select i, ${userId}, 'item ' || i, i % 97 from generate_series(1, ${rows}) i`;
    const [job] = await sql<{ id: string }[]>`
      insert into jobs.queue (job_name, created_by) values ('bench', ${userId}) returning id`;
    const headers = { authorization: `Bearer ${token}`, apikey: token, "accept-profile": "app" };
    const pkUrl = (base: string, id: number) => `${base}/rest/v1/bench_items?select=id,title,n&id=eq.${id}`;
    const get = async (url: string) => {
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      return res.status;
    };

    // Round trips per request, after a warm-up that fills the schema cache and prepares statements.
    const perRequest = async (url: (i: number) => string) => {
      for (let i = 0; i < 30; i++) await get(url(i + 1));
      const before = await child.turns();
      const n = 200;
      for (let i = 0; i < n; i++) await get(url((i % rows) + 1));
      return ((await child.turns()) - before) / n;
    };
    const restRoundTrips = await perRequest((i) => pkUrl(child.counted, i));
    const jobsRoundTrips = await perRequest(() => `${child.counted}/api/v1/jobs/${job!.id}`);

    // Throughput: closed loop, N clients, random primary keys.
    for (let i = 0; i < 200; i++) await get(pkUrl(child.direct, i + 1));
    let errors = 0;
    const loop = await closedLoop(clients, seconds, async () => {
      const status = await get(pkUrl(child.direct, 1 + Math.floor(Math.random() * rows)));
      if (status !== 200) errors++;
    });
    const result: RestBenchResult = {
      requestsPerSecond: loop.rate,
      p50: loop.p50,
      p99: loop.p99,
      errors,
      restRoundTrips,
      jobsRoundTrips,
    };
    console.log(`REST primary-key select, user token + RLS, ${clients} clients, ${seconds}s, ${rows} rows`);
    console.log(
      `  ${Math.round(result.requestsPerSecond)} req/s   p50 ${fmt(result.p50)}   p99 ${fmt(result.p99)}   errors ${errors}`,
    );
    console.log(
      `  Postgres round trips per request: REST ${restRoundTrips.toFixed(2)}   ` +
        `(jobs API GET /api/v1/jobs/:id: ${jobsRoundTrips.toFixed(2)})`,
    );
    return result;
  } finally {
    await sql.end();
    await child.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  if (process.argv.includes("--serve")) await serve();
  else await run();
}
