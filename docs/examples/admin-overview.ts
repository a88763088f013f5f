// What an operator sees with the service key: counts, workers, functions, every user's jobs.
import { createClient } from "@fluxbase/sdk";

const admin = createClient(process.env.FLUXBASE_URL!, { serviceKey: process.env.FLUXBASE_SERVICE_KEY! });

const { data: stats, error } = await admin.admin.jobs.getStats();
if (error) throw error;
console.log(`jobs: ${stats.total} total, ${stats.pending} pending, ${stats.running} running`);
console.log(`     ${stats.completed} completed, ${stats.failed} failed, ${stats.cancelled} cancelled`);

const { data: workers } = await admin.admin.jobs.listWorkers();
for (const w of workers ?? []) {
  console.log(`worker ${w.name}: ${w.status}, ${w.current_job_count}/${w.max_concurrent_jobs} jobs`);
}

const { data: functions } = await admin.admin.jobs.list("default");
for (const fn of functions ?? []) {
  console.log(`function ${fn.name}: timeout ${fn.timeout_seconds}s, retries ${fn.max_retries}`);
}

const { data: failed, count } = await admin.admin.jobs.listJobs({ status: "failed", limit: 5 });
console.log(`${count} failed jobs across all users`);
for (const job of failed ?? []) console.log(`  ${job.job_name} ${job.id}: ${job.error_message}`);
