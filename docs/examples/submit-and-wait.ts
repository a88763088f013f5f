// Submit a job and follow it to the end: progress as it happens, then the result.
import { createClient } from "@fluxbase/sdk";
import WebSocket from "ws";

const client = createClient(process.env.FLUXBASE_URL!, process.env.FLUXBASE_KEY!, {
  realtime: { transport: WebSocket }, // Node 20 has no global WebSocket
});

const { data: job, error } = await client.jobs.submit("process-items", {
  items: ["a", "b", "c"],
  delay_ms: 200,
});
if (error) {
  console.error(`Submit failed: ${error.code} ${error.message}`);
  process.exit(1);
}
console.log(`Submitted ${job.id} (${job.status})`);

const { data: done, error: waitError } = await client.jobs.waitFor(job.id, {
  onProgress: (progress) => console.log(`${progress.percent}% ${progress.message ?? ""}`),
  timeoutMs: 60_000,
});
if (waitError) {
  console.error(`Gave up waiting: ${waitError.code} ${waitError.message}`);
  process.exit(1);
}
console.log(`Finished: ${done.status}`);
console.log("Result:", JSON.stringify(done.result));
