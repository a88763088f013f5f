// A plain Node 20 ESM app using the installed package: submit a job, follow it over realtime, print the result.
import { createClient } from "@fluxbase/sdk";

const client = createClient(process.env.FLUXBASE_URL, process.env.FLUXBASE_KEY);
const channel = client.realtime.channel("table:jobs.queue");
let jobId;
const early = [];
let end;
const ended = new Promise((resolve) => {
  end = resolve;
});

function show(job) {
  if (job.id !== jobId) return;
  console.log(`update ${job.status} ${job.progress?.percent ?? 0}% ${job.progress?.message ?? ""}`.trim());
  if (["completed", "failed", "cancelled"].includes(job.status)) end(job);
}

channel
  .on("UPDATE", (payload) => (jobId ? show(payload.new) : early.push(payload.new)))
  .subscribe(async (status, err) => {
    if (status === "CHANNEL_ERROR") console.error("realtime error:", err?.message);
    if (status !== "SUBSCRIBED" || jobId) return;
    const { data, error } = await client.jobs.submit("count-steps", { steps: 3 });
    if (error) {
      console.error(error.code, error.message);
      process.exit(1);
    }
    jobId = data.id;
    console.log(`submitted ${data.status}`);
    for (const job of early.splice(0)) show(job);
  });

const job = await ended;
await channel.unsubscribe();
const { data: stored } = await client.jobs.get(job.id);
console.log(`result ${JSON.stringify(stored.result)}`);
