// One active job per key (the function's `@fluxbase:overlap reject`), and dedupe keys.
import { createClient } from "@fluxbase/sdk";

const client = createClient(process.env.FLUXBASE_URL!, process.env.FLUXBASE_KEY!);

// sync-account allows one pending or running job per account_id (per user).
const first = await client.jobs.submit("sync-account", { account_id: "acme" }, { delaySeconds: 60 });
const second = await client.jobs.submit("sync-account", { account_id: "acme" });
console.log(second.error?.code, second.error?.status); // JOB_ALREADY_ACTIVE 409
console.log("points at the first:", second.error?.context.existing_run_id === first.data?.id);
const other = await client.jobs.submit("sync-account", { account_id: "globex" }, { delaySeconds: 60 });
console.log("another account:", other.data?.status); // pending

// A dedupe key answers the pending job it meets instead of adding another...
const a = await client.jobs.submit("hello", { name: "A" }, { dedupeKey: "digest", delaySeconds: 60 });
const b = await client.jobs.submit("hello", { name: "B" }, { dedupeKey: "digest", delaySeconds: 60 });
console.log("same job:", a.data?.id === b.data?.id, b.data?.payload); // true { name: 'A' }
// ...or, with dedupe: "replace", gives it the new payload and run time.
const c = await client.jobs.submit(
  "hello",
  { name: "C" },
  { dedupeKey: "digest", dedupe: "replace", delaySeconds: 120 },
);
console.log("replaced:", c.data?.id === a.data?.id, c.data?.payload); // true { name: 'C' }

for (const job of [first.data, other.data, a.data]) if (job) await client.jobs.cancel(job.id);
