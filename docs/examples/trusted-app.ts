// Fluxbase Jobs inside your own Node process: register handlers, start, enqueue (type-checked).
import { readFileSync } from "node:fs";
import { createClient } from "@fluxbase/sdk";
import { createFluxbase } from "fluxbase-jobs";
import { myNoteCount, sendWelcome } from "./handlers/index.ts";

// Every setting of the configuration page can be given here; FLUXBASE_* variables fill the rest.
const fluxbase = createFluxbase({
  jobs: [sendWelcome, myNoteCount],
  jobSettings: { embeddedWorkerCount: 2 },
});
const started = await fluxbase.start();
await fluxbase.sql.unsafe(readFileSync(new URL("./outbox.sql", import.meta.url), "utf8"));

// The name and the payload are checked by TypeScript, and the payload again at run time.
const job = await fluxbase.jobs.enqueue("send-welcome", { to: "ada@example.com", name: "Ada" });
const bad = await fluxbase.jobs.enqueue("send-welcome", { to: "not an email", name: "" }).catch((e) => e);
console.log("refused:", bad.code, bad.context.issues.map((issue: { path: string }) => issue.path).join(", "));

// The same job seen through the HTTP API, as any client sees it.
const client = createClient(started.url, started.serviceKey);
const { data: done } = await client.jobs.waitFor(job.id, { timeoutMs: 30_000 });
console.log(done?.status, JSON.stringify(done?.result));
const [mail] = await fluxbase.sql`select recipient, body from app.outbox order by id limit 1`;
console.log("outbox:", mail?.recipient, mail?.body);
await fluxbase.stop();
