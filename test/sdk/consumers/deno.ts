// Deno 2 with the package installed by npm: the bare specifier resolves through package.json and node_modules.
import { createClient, type Job } from "@fluxbase/sdk";

const client = createClient(Deno.env.get("FLUXBASE_URL")!, Deno.env.get("FLUXBASE_KEY")!);
const { data: job, error } = await client.jobs.submit("count-steps", { steps: 2 });
if (error) throw error;
const percents: number[] = [];
const { data: done } = await client.jobs.waitFor(job.id, {
  onProgress: (progress) => percents.push(progress.percent),
  timeoutMs: 60_000,
});
const finished: Job | null = done;
console.log(`deno ${finished?.status} ${JSON.stringify(finished?.result)} progress ${percents.join(",")}`);
