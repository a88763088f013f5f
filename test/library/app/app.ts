// An application that runs Fluxbase Jobs in its own Node process, as the package's README shows:
// a trusted handler with a zod payload, the server started in-process, a job enqueued (type-checked).
import { createFluxbase, defineJob } from "fluxbase-jobs";
import { z } from "zod";

export const resize = defineJob({
  name: "resize-image",
  payload: z.object({ url: z.string().url(), width: z.number().int().positive() }),
  maxRetries: 2,
  timeout: 30,
  handler: async (ctx, payload) => {
    ctx.progress(50, "resizing", { width: payload.width });
    ctx.log.info("resized", { url: payload.url, width: payload.width });
    const [row] = await ctx.sql<{ two: number }[]>`select 1 + 1 as two`;
    return { width: payload.width, attempt: ctx.job.attempt, two: row?.two };
  },
});

const fluxbase = createFluxbase({ jobs: [resize], jobSettings: { embeddedWorkerCount: 1 } });
const started = await fluxbase.start();
const job = await fluxbase.jobs.enqueue("resize-image", { url: "https://example.com/a.png", width: 320 });
console.log(JSON.stringify({ url: started.url, serviceKey: started.serviceKey, enqueued: job.id }));

process.once("SIGTERM", () => {
  void fluxbase.stop().then(() => process.exit(0));
});
