// A job fails for a reason you can fix (a missing secret): fix it, then retry the same job.
import { createClient } from "@fluxbase/sdk";
import WebSocket from "ws";

const url = process.env.FLUXBASE_URL!;
const token = process.env.FLUXBASE_KEY!; // a user's token
const client = createClient(url, token, { realtime: { transport: WebSocket } });

// The SDK has no secrets API; this is the HTTP API a user manages their own secrets with.
const secretUrl = `${url}/api/v1/secrets/greeting_api_key`;
const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
await fetch(secretUrl, { method: "DELETE", headers }); // start without it

const { data: job, error } = await client.jobs.submit("use-secret");
if (error) throw error;
const { data: failed } = await client.jobs.waitFor(job.id, { timeoutMs: 60_000 });
console.log(`${failed?.status}: ${failed?.error_message}`);

const put = await fetch(secretUrl, {
  method: "PUT",
  headers,
  body: JSON.stringify({ value: "sk_test_123456" }),
});
console.log(`secret stored: ${put.status}`); // 201 created (200 when replaced); the value is never returned

const { data: retried } = await client.jobs.retry(job.id); // same id, back to pending
console.log(`retry: ${retried?.status}, same job: ${retried?.id === job.id}`);
const { data: done } = await client.jobs.waitFor(job.id, { timeoutMs: 60_000 });
console.log(`${done?.status}: ${JSON.stringify(done?.result)}`);

const { data: lines } = await client.jobs.getLogs(job.id);
console.log(lines?.at(-1)?.message); // the key is masked
