// List your own jobs, newest first, with filters and paging.
import { createClient } from "@fluxbase/sdk";

const client = createClient(process.env.FLUXBASE_URL!, process.env.FLUXBASE_KEY!);

const {
  data: jobs,
  count,
  error,
} = await client.jobs.list({
  jobName: "hello",
  status: "completed",
  limit: 10, // 1..200, default 50
  offset: 0,
  includeResult: true, // results are left out of lists unless asked for
});
if (error) throw error;

console.log(`${count} completed hello jobs, showing ${jobs.length}`);
for (const job of jobs) console.log(job.id, job.status, JSON.stringify(job.result));
