/**
 * Realtime fan-out: progress-to-subscriber latency and events/s for 1, 10 and 100 subscribers, with
 * every subscriber on one user identity ("one identity": one RLS check per change) and spread over
 * ten identities (owner, admins, service: ten checks per change). Latency is measured closed-loop
 * (one progress update at a time, from just before the UPDATE is sent until each subscriber has
 * parsed its frame); throughput open-loop (a burst of updates). Dropped = expected - received events.
 * The server runs in a child process, so the subscribers' parsing does not share its event loop.
 * All subscribers share this one process, where each frame waits for the ones before it: a frame's
 * arrival is stamped before anything else is done with it, and the seq is read from the raw text
 * (a full JSON.parse of each of 100 frames in turn added ~1.5 ms to the last subscriber's latency,
 * which 100 separate clients would not see).
 *
 *   node --import tsx bench/realtime.ts        (also run by `npm run bench`)
 */
import { randomBytes, randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import WebSocket from "ws";
import { mintToken } from "../server/auth/mintToken.ts";
import { createSql, type Sql } from "../server/db/createSql.ts";
import { fmt, percentile } from "./benchServer.ts";
import { startChildServer } from "./childServer.ts";

const latencyUpdates = Number(process.env.BENCH_REALTIME_UPDATES ?? 500);
const burstUpdates = Number(process.env.BENCH_REALTIME_BURST ?? 500);

interface Subscriber {
  ws: WebSocket;
  /** Arrival time (performance.now()) of each progress seq. */
  seen: Map<number, number>;
  count: number;
}

async function subscriber(url: string, token: string, jobId: string): Promise<Subscriber> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/realtime/v1/websocket?apikey=${token}&vsn=1.0.0`);
  const sub: Subscriber = { ws, seen: new Map(), count: 0 };
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  const joined = new Promise<void>((resolve, reject) => {
    ws.on("message", (data) => {
      const at = performance.now();
      const text = String(data);
      if (text.includes('"event":"postgres_changes"')) {
        sub.count++;
        const seq = Number(/"seq":(-?\d+)/.exec(text)?.[1]);
        if (Number.isInteger(seq) && !sub.seen.has(seq)) sub.seen.set(seq, at);
        wake();
        return;
      }
      const frame = JSON.parse(text);
      if (frame.event === "phx_reply" && frame.ref === "1") {
        if (frame.payload.status === "ok") resolve();
        else reject(new Error(JSON.stringify(frame.payload)));
      }
    });
  });
  const filter = `id=eq.${jobId}`;
  ws.send(
    JSON.stringify({
      topic: "realtime:bench",
      event: "phx_join",
      payload: {
        config: { postgres_changes: [{ event: "UPDATE", schema: "jobs", table: "queue", filter }] },
      },
      ref: "1",
      join_ref: "1",
    }),
  );
  await joined;
  return sub;
}

const progress = (sql: Sql, id: string, seq: number) =>
  sql`update jobs.queue set progress = ${sql.json({ percent: seq % 100, message: "bench", data: { seq } })},
        last_progress_at = now() where id = ${id}`;

// Woken by subscribers' messages (no polling: a spinning loop would steal a core from Postgres).
let wake: () => void = () => {};
async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  return true;
}

interface Result {
  subscribers: number;
  identities: number;
  p50: number;
  p99: number;
  /** The UPDATE's own round trip (commit included): the floor under the latency. */
  commitP50: number;
  commitP99: number;
  eventsPerSecond: number;
  dropped: number;
}

export async function run(): Promise<Result[]> {
  const jwtSecret = randomBytes(32).toString("base64url");
  const server = await startChildServer({
    options: {
      jwtSecret,
      logLevel: "error",
      jobs: { enabled: false },
      // A hundred subscribers of one user, joining at once: past the per-user guards (20 each).
      realtime: { maxSocketsPerUser: 200, joinsPerSecond: 1000 },
    },
  });
  const sql = createSql(server.databaseUrl, { max: 1 });
  const burstSql = createSql(server.databaseUrl, { max: 1 });
  const results: Result[] = [];
  try {
    const owner = randomUUID();
    const ownerToken = await mintToken(jwtSecret, { role: "authenticated", sub: owner });
    const others = [
      ...(await Promise.all(
        Array.from({ length: 8 }, () => mintToken(jwtSecret, { role: "admin", sub: randomUUID() })),
      )),
      server.serviceKey,
    ];
    for (const subscribers of [1, 10, 100]) {
      for (const mixed of [false, true]) {
        if (subscribers === 1 && mixed) continue;
        const [fn] = await sql`insert into jobs.functions (name, source, code)
          values (${`bench-${randomUUID().slice(0, 8)}`}, 'x', 'x') returning id, name`;
        const [job] = await sql`insert into jobs.queue (function_id, job_name, created_by, status)
          values (${fn!.id}, ${fn!.name}, ${owner}, 'running') returning id`;
        const tokens = Array.from({ length: subscribers }, (_, i) =>
          mixed && i % 10 !== 0 ? others[(i % 10) - 1]! : ownerToken,
        );
        const subs = await Promise.all(tokens.map((token) => subscriber(server.url, token, job!.id)));
        const identities = new Set(tokens).size;

        // Warm-up, then closed-loop latency.
        for (let seq = -20; seq < 0; seq++) {
          await progress(sql, job!.id, seq);
          await until(() => subs.every((s) => s.seen.has(seq)), 5000);
        }
        const latencies: number[] = [];
        const commits: number[] = [];
        for (let seq = 0; seq < latencyUpdates; seq++) {
          const sent = performance.now();
          await progress(sql, job!.id, seq);
          commits.push(performance.now() - sent);
          await until(() => subs.every((s) => s.seen.has(seq)), 5000);
          for (const s of subs) {
            const at = s.seen.get(seq);
            if (at !== undefined) latencies.push(at - sent);
          }
        }
        latencies.sort((a, b) => a - b);
        commits.sort((a, b) => a - b);

        // Open-loop burst: every update is one event per subscriber, whatever row state it carries.
        const before = subs.map((s) => s.count);
        const started = performance.now();
        // Pipelined on one connection: the writes go out back-to-back, in order.
        await Promise.all(
          Array.from({ length: burstUpdates }, (_, i) => progress(burstSql, job!.id, latencyUpdates + i)),
        );
        const expected = burstUpdates * subscribers;
        const received = () => subs.reduce((sum, s, i) => sum + s.count - before[i]!, 0);
        await until(() => received() >= expected, 20_000);
        const elapsed = (performance.now() - started) / 1000;
        const got = received();
        results.push({
          subscribers,
          identities,
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          commitP50: percentile(commits, 50),
          commitP99: percentile(commits, 99),
          eventsPerSecond: got / elapsed,
          dropped: expected - got + (latencyUpdates * subscribers - latencies.length),
        });
        for (const s of subs) s.ws.close();
      }
    }
  } finally {
    await sql.end();
    await burstSql.end();
    await server.stop();
  }
  console.log(
    `realtime fan-out (${latencyUpdates} closed-loop updates for latency, a burst of ${burstUpdates} for events/s)`,
  );
  console.log("subscribers  identities  p50        p99        events/s   dropped  (UPDATE alone: p50 / p99)");
  for (const r of results) {
    console.log(
      `${String(r.subscribers).padEnd(13)}${String(r.identities).padEnd(12)}${fmt(r.p50).padEnd(11)}` +
        `${fmt(r.p99).padEnd(11)}${Math.round(r.eventsPerSecond).toString().padEnd(11)}${String(r.dropped).padEnd(9)}` +
        `${fmt(r.commitP50)} / ${fmt(r.commitP99)}`,
    );
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await run();
