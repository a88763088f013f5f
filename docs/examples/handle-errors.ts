// Every SDK call resolves to { data, error }; branch on error.code, never on the message.
import { createClient } from "@fluxbase/sdk";

const client = createClient(process.env.FLUXBASE_URL!, process.env.FLUXBASE_KEY!);

const missing = await client.jobs.submit("no-such-job");
console.log(missing.error?.code, missing.error?.status); // FUNCTION_NOT_FOUND 404

const forbidden = await client.jobs.submit("admin-report");
if (forbidden.error?.code === "ROLE_REQUIRED") {
  console.log("admin-report needs one of:", forbidden.error.context.required_roles); // [ 'admin' ]
}

const bad = await client.jobs.submit("hello", {}, { priority: 5000 });
console.log(bad.error?.code, bad.error?.message); // VALIDATION_ERROR Invalid body: priority: ...

const unknown = await client.jobs.get("00000000-0000-4000-8000-000000000000");
console.log(unknown.error?.code); // JOB_NOT_FOUND (also for other users' jobs)

const offline = createClient("http://127.0.0.1:9", process.env.FLUXBASE_KEY!);
const down = await offline.jobs.list();
console.log(down.error?.code, down.error?.status); // NETWORK_ERROR 0
