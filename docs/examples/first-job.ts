// Submit the hello job as a user and wait for its result.
import { createClient } from "@fluxbase/sdk";
import WebSocket from "ws";

const client = createClient(process.env.FLUXBASE_URL!, process.env.FLUXBASE_KEY!, {
  realtime: { transport: WebSocket }, // Node 20 has no global WebSocket
});

const { data: job, error } = await client.jobs.submit("hello", { name: "Ada" });
if (error) throw error;

const { data: done } = await client.jobs.waitFor(job.id);
console.log(done?.status, done?.result);
