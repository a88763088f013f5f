// Cancel a running job: the handler sees job.checkCancellation() turn true and job.signal abort.
import { createClient } from "@fluxbase/sdk";
import WebSocket from "ws";

const client = createClient(process.env.FLUXBASE_URL!, process.env.FLUXBASE_KEY!, {
  realtime: { transport: WebSocket },
});

const items = Array.from({ length: 100 }, (_, i) => `item-${i}`);
const { data: job, error } = await client.jobs.submit("process-items", { items, delay_ms: 100 });
if (error) throw error;

let cancelling = false;
const { data: done } = await client.jobs.waitFor(job.id, {
  timeoutMs: 60_000,
  onProgress: async (progress) => {
    if (cancelling || progress.percent < 5) return;
    cancelling = true;
    const { data: cancelled, error: cancelError } = await client.jobs.cancel(job.id);
    console.log(`Cancel requested at ${progress.percent}%:`, cancelled?.status ?? cancelError?.code);
  },
});
console.log(`Final status: ${done?.status}`); // cancelled

// A second cancel is refused: the job is no longer pending or running.
const again = await client.jobs.cancel(job.id);
console.log(again.error?.code); // JOB_NOT_CANCELLABLE

// The row said cancelled at once; the handler stops a moment later, and the server then logs
// "Job cancelled" after the job's own last words.
let lines: { level: string; message: string }[] = [];
for (let i = 0; i < 100 && !lines.some((line) => line.message === "Job cancelled"); i++) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  lines = (await client.jobs.getLogs(job.id)).data ?? [];
}
for (const line of lines) console.log(`[${line.level}] ${line.message}`);
