/**
 * Claim latency with a large history and while the retention sweep deletes it: pickup from idle of
 * a trusted no-op (one job at a time) on an empty queue, then with BENCH_RETENTION_JOBS (200,000)
 * finished jobs in the table, then while the sweep deletes them in batches. Goal: flat.
 */
import { loadavg } from "node:os";
import { defineJob } from "../server/handlers/defineJob.ts";
import { createLogger } from "../server/log.ts";
import { createRetentionSweeper } from "../server/worker/retentionSweeper.ts";
import { fmt, percentile, startBenchServer } from "./benchServer.ts";

const finished = Number(process.env.BENCH_RETENTION_JOBS ?? 200_000);
const samples = Number(process.env.BENCH_RETENTION_SAMPLES ?? 40);
const noop = defineJob({ name: "retention-noop", handler: async () => null });

export async function run(): Promise<void> {
  const server = await startBenchServer({}, { jobs: { maxConcurrentPerWorker: 4 } }, [noop]);
  try {
    const { sql } = server.fluxbase;
    const pickup = async (label: string, during?: () => boolean) => {
      const ms: number[] = [];
      for (let i = 0; i < samples && (during ? during() : true); i++) {
        const { id } = await server.fluxbase.jobs.enqueue("retention-noop", {});
        for (;;) {
          const [row] = await sql<{ status: string; ms: number | null }[]>`
            select status, (extract(epoch from started_at - created_at) * 1000)::float8 as ms
            from jobs.queue where id = ${id}`;
          if (row?.status === "completed") {
            ms.push(row.ms ?? Number.NaN);
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      }
      const sorted = ms.sort((a, b) => a - b);
      console.log(
        `  ${label.padEnd(44)} pickup p50 ${fmt(percentile(sorted, 50))}  p95 ${fmt(percentile(sorted, 95))}  (${sorted.length} jobs, load ${loadavg()[0]!.toFixed(2)})`,
      );
    };
    console.log(`\nClaim latency and the retention sweep (${finished.toLocaleString("en")} finished jobs)`);
    await pickup("empty history");
    const filled = performance.now();
    await sql`
      insert into jobs.queue (namespace, function_id, job_name, payload, status, attempt, created_at, started_at,
        completed_at, result, user_role)
      select 'default', f.id, f.name, '{}'::jsonb, 'completed', 1, now() - interval '30 days',
        now() - interval '30 days', now() - interval '30 days' + (g * interval '1 ms'), 'null'::jsonb, 'service_role'
      from jobs.functions f, generate_series(1, ${finished}) g
      where f.name = 'retention-noop'`;
    await sql`analyze jobs.queue`;
    console.log(`  inserted the history in ${((performance.now() - filled) / 1000).toFixed(1)} s`);
    await pickup(`with ${finished.toLocaleString("en")} finished jobs`);
    // Right after a bulk insert, autovacuum and a checkpoint are still at work on those rows; a history
    // that grew over weeks has long been vacuumed. The same pickup once they are done:
    await sql`vacuum (analyze) jobs.queue`;
    await sql`checkpoint`;
    await pickup("the same, vacuumed");
    const sweeper = createRetentionSweeper(
      sql,
      { ...server.fluxbase.config.jobs, retentionCompleted: 7 * 86_400_000 },
      createLogger("error"),
    );
    let sweeping = true;
    const swept = performance.now();
    const sweep = sweeper.sweep().finally(() => {
      sweeping = false;
    });
    await pickup("while the sweep deletes them", () => sweeping);
    const deleted = await sweep;
    console.log(
      `  the sweep deleted ${deleted.toLocaleString("en")} jobs in ${((performance.now() - swept) / 1000).toFixed(1)} s (batches of 1,000)`,
    );
    await pickup("after the sweep");
    await sweeper.stop();
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
