// Watch your jobs change over realtime: one channel, every UPDATE of jobs.queue you may see.
import { createClient } from "@fluxbase/sdk";
import WebSocket from "ws";

const client = createClient(process.env.FLUXBASE_URL!, process.env.FLUXBASE_KEY!, {
  realtime: { transport: WebSocket },
});

let jobId: string | undefined;
const early: Record<string, any>[] = []; // updates that arrive before the submit has answered
let finish: (status: string) => void;
const finished = new Promise<string>((resolve) => {
  finish = resolve;
});

function show(job: Record<string, any>) {
  if (job.id !== jobId) return; // another of your jobs: RLS already hides other users' jobs
  console.log(`${job.status} ${job.progress?.percent ?? 0}% ${job.progress?.message ?? ""}`.trim());
  if (["completed", "failed", "cancelled"].includes(job.status)) finish(job.status);
}

const channel = client.realtime.channel("table:jobs.queue");
channel
  .on("UPDATE", (payload) => (jobId ? show(payload.new) : early.push(payload.new)))
  .subscribe(async (status, err) => {
    if (status === "CHANNEL_ERROR") console.error("Realtime error:", err?.message);
    if (status !== "SUBSCRIBED" || jobId) return;
    // Joined first, then submitted: none of the job's updates can be missed.
    const { data, error } = await client.jobs.submit("process-items", { items: ["x", "y", "z"] });
    if (error) throw error;
    jobId = data.id;
    for (const job of early.splice(0)) show(job);
  });

console.log(`Job ended: ${await finished}`);
await channel.unsubscribe();
