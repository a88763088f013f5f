// Priority, delayed and scheduled runs, and idempotent submits.
import { createClient } from "@fluxbase/sdk";

const client = createClient(process.env.FLUXBASE_URL!, process.env.FLUXBASE_KEY!);

// Higher priority is claimed first (-1000..1000, default 0).
const urgent = await client.jobs.submit("hello", { name: "urgent" }, { priority: 100 });
console.log("priority:", urgent.data?.priority);

// Not before 60 seconds from now (or give scheduledAt: a Date or an ISO string, not both).
const later = await client.jobs.submit("hello", { name: "later" }, { delaySeconds: 60 });
console.log("delayed:", later.data?.status, later.data?.scheduled_at !== null);

// The same Idempotency-Key returns the first job instead of creating another (per user).
const key = `order-${Date.now()}`;
const first = await client.jobs.submit("hello", { name: "once" }, { idempotencyKey: key });
const second = await client.jobs.submit("hello", { name: "once" }, { idempotencyKey: key });
console.log("same job:", first.data?.id === second.data?.id);

// A delayed job can be cancelled before it ever runs.
if (later.data) console.log("cancelled:", (await client.jobs.cancel(later.data.id)).data?.status);
