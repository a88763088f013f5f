/**
 * HTTP submit against graphile-worker's add rate: 16 clients each submitting one job after another
 * for a few seconds through `POST /api/v1/jobs/submit` (RLS deciding every insert), and 16 callers
 * of graphile-worker's `addJob` (SQL, no HTTP) on the same Postgres, rounds interleaved, load
 * average printed. The clients share one user's token (as a backend service's clients share its
 * key: their submits that meet in the server share an insert), and then each has a user of its own
 * (submits that meet share a transaction, a statement each). The server runs in a child process;
 * the clients and the peer's callers both run in this one. Goal: ≥ 1× the peer's rate.
 *
 * The clients send with node:http and a keep-alive agent, not fetch: on two cores the load generator
 * shares the CPU with the server and Postgres, and fetch spent 0.6–1.3 ms of CPU per request here,
 * more than the server's own handling of it (real clients run on other machines).
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import { loadavg } from "node:os";
import { makeWorkerUtils } from "graphile-worker";
import { mintToken } from "../server/auth/mintToken.ts";
import { startChildServer } from "./childServer.ts";
import { closedLoop } from "./closedLoop.ts";
import { quietLogger } from "./graphileDrain.ts";

const clients = Number(process.env.BENCH_SUBMIT_CLIENTS ?? 16);
const seconds = Number(process.env.BENCH_SUBMIT_SECONDS ?? 4);
const rounds = Number(process.env.BENCH_SUBMIT_ROUNDS ?? 3);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");

export async function run(): Promise<void> {
  // The server in its own process: the 16 clients' fetch calls must not share its event loop.
  const secret = randomBytes(32).toString("base64url");
  const server = await startChildServer({
    jobs: { "noop.ts": "export default () => null;\n" },
    options: { jwtSecret: secret, role: "api", jobs: { apiLaneConcurrency: 0 } },
  });
  try {
    const token = await mintToken(secret, { role: "authenticated", sub: crypto.randomUUID() });
    const userTokens = await Promise.all(
      Array.from({ length: clients }, () =>
        mintToken(secret, { role: "authenticated", sub: crypto.randomUUID() }),
      ),
    );
    const utils = await makeWorkerUtils({
      connectionString: server.databaseUrl,
      logger: quietLogger,
    });
    await utils.migrate();
    const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
    const body = '{"job_name":"noop","payload":{"n":1}}';
    let next = 0;
    const submitAs = (tokens: string[]) => () =>
      new Promise<void>((resolve, reject) => {
        const req = http.request(
          `${server.url}/api/v1/jobs/submit`,
          {
            method: "POST",
            agent,
            headers: {
              authorization: `Bearer ${tokens[next++ % tokens.length]}`,
              "content-type": "application/json",
              "content-length": Buffer.byteLength(body),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () =>
              res.statusCode === 201
                ? resolve()
                : reject(new Error(`submit failed: ${res.statusCode} ${Buffer.concat(chunks)}`)),
            );
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    const submit = submitAs([token]);
    const submitEachUser = submitAs(userTokens);
    const add = async () => {
      await utils.addJob("noop", { n: 1 });
    };
    // Warms connections and prepared statements on both sides.
    await closedLoop(clients, seconds, submit);
    await closedLoop(clients, seconds, submitEachUser);
    await closedLoop(clients, seconds, add);
    console.log(
      `\nHTTP submit (${clients} clients, RLS) vs graphile-worker addJob (${clients} callers, SQL)`,
    );
    const ratios: number[] = [];
    const eachUserRatios: number[] = [];
    const line = (r: { rate: number; p99: number }) => `${r.rate.toFixed(0)}/s (p99 ${r.p99.toFixed(1)} ms)`;
    for (let round = 1; round <= rounds; round++) {
      const ours = await closedLoop(clients, seconds, submit);
      const theirs = await closedLoop(clients, seconds, add);
      const eachUser = await closedLoop(clients, seconds, submitEachUser);
      ratios.push(ours.rate / theirs.rate);
      eachUserRatios.push(eachUser.rate / theirs.rate);
      console.log(
        `  round ${round}: submit, one user's token ${line(ours)}; addJob ${line(theirs)}; submit, a user per client ${line(eachUser)}; ratios ${(ours.rate / theirs.rate).toFixed(2)}× and ${(eachUser.rate / theirs.rate).toFixed(2)}×  (load ${load()})`,
      );
    }
    console.log(
      `  median ratio ${median(ratios).toFixed(2)}× with one user's token (goal ≥ 1×), ${median(eachUserRatios).toFixed(2)}× with a user per client`,
    );
    await utils.release();
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
