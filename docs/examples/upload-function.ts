// Deploy a function over the API (no file in ./jobs), run it for a user, then remove it.
import { createClient } from "@fluxbase/sdk";
import WebSocket from "ws";

const service = createClient(process.env.FLUXBASE_URL!, {
  serviceKey: process.env.FLUXBASE_SERVICE_KEY!,
  realtime: { transport: WebSocket },
});

const code = `/**
 * @fluxbase:timeout 20
 * @fluxbase:description Uppercases a word
 */
export async function handler(req, fluxbase, fluxbaseService, job) {
  return { word: job.getJobPayload().word.toUpperCase(), user: job.getJobContext().user?.id ?? null };
}`;

await service.admin.jobs.delete("shout"); // left over from an earlier run, if any
const { data: fn, error } = await service.admin.jobs.create({ name: "shout", code, max_retries: 0 });
if (error) throw error;
console.log(
  `created ${fn.name}: timeout ${fn.timeout_seconds}s, retries ${fn.max_retries}, origin ${fn.origin}`,
);

// The service role may submit on behalf of a user: the job then runs as that user.
const { data: job } = await service.jobs.submit(
  "shout",
  { word: "hello" },
  { onBehalfOf: { user_id: "3f0c2a9e-5b1d-4c7e-9a8f-2d6b4e1c0a7f", user_email: "ada@example.com" } },
);
const { data: done } = await service.jobs.waitFor(job!.id, { timeoutMs: 60_000 });
console.log(done?.status, JSON.stringify(done?.result));

await service.admin.jobs.delete("shout");
console.log("deleted shout");
