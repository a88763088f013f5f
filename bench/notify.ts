/**
 * Notifications: deliveries per second to a webhook receiver on loopback, and the time jobs take
 * to complete with a receiver that answers after 4 s (just inside the 5 s limit) against none.
 * Run alone: `node --import tsx bench/notify.ts`.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startBenchServer } from "./benchServer.ts";

const DELIVERIES = 2000;
const JOBS = 30;

export async function run(): Promise<{
  deliveriesPerSecond: number;
  plainMs: number;
  slowReceiverMs: number;
}> {
  let received = 0;
  let slow = false;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received++;
      if (slow) setTimeout(() => res.writeHead(200).end(), 4000);
      else res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const server = await startBenchServer(
    { "noop.ts": "export async function handler() { return 1; }\n" },
    { notify: { webhookAllowPrivate: true }, jobs: { embeddedWorkerCount: 2, pollInterval: 100 } },
  );
  const sql = server.fluxbase.sql;
  try {
    // 1. Throughput: a burst of ended jobs, each one delivery, drained by one process.
    const [hook] = await sql<{ id: string }[]>`
      insert into jobs.webhooks (url, events) values (${url}, '{job.completed}') returning id`;
    const started = performance.now();
    await sql`
      insert into jobs.queue (job_name, status) select 'burst', 'completed' from generate_series(1, ${DELIVERIES})`;
    for (;;) {
      const [{ left }] = await sql<{ left: number }[]>`
        select count(*)::int as left from jobs.notifications where webhook_id = ${hook!.id} and state = 'pending'`;
      if (left === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const deliveriesPerSecond = DELIVERIES / seconds;
    console.log(
      `webhook deliveries: ${DELIVERIES} in ${seconds.toFixed(2)} s = ${deliveriesPerSecond.toFixed(0)}/s (received ${received})`,
    );
    await sql`delete from jobs.webhooks`;

    // 2. A slow receiver does not slow the jobs it reports on.
    const timeJobs = async () => {
      const t0 = performance.now();
      const ids: string[] = [];
      for (let i = 0; i < JOBS; i++) {
        const res = await fetch(`${server.url}/api/v1/jobs/submit`, {
          method: "POST",
          headers: { authorization: `Bearer ${server.serviceKey}`, "content-type": "application/json" },
          body: JSON.stringify({ job_name: "noop" }),
        });
        ids.push(((await res.json()) as { id: string }).id);
      }
      for (;;) {
        const [{ done }] = await sql<{ done: number }[]>`
          select count(*)::int as done from jobs.queue where id = any(${ids}) and status = 'completed'`;
        if (done === JOBS) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return performance.now() - t0;
    };
    const plainMs = await timeJobs();
    slow = true;
    await sql`insert into jobs.webhooks (url, events) values (${url}, '{job.started,job.completed}')`;
    const slowReceiverMs = await timeJobs();
    console.log(
      `${JOBS} jobs submitted and completed: ${plainMs.toFixed(0)} ms without webhooks, ${slowReceiverMs.toFixed(0)} ms with a receiver answering after 4 s (2 deliveries per job)`,
    );
    return { deliveriesPerSecond, plainMs, slowReceiverMs };
  } finally {
    await server.stop();
    receiver.closeAllConnections();
    receiver.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
