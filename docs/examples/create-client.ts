// Making clients: with a key, with the object form, and switching the user a client acts as.
import { createClient } from "@fluxbase/sdk";

const url = process.env.FLUXBASE_URL!;
// The key is the anon key, a user's JWT or the service key.
const client = createClient(url, process.env.FLUXBASE_ANON_KEY!);
// The object form works too; serviceKey wins if both are given.
const admin = createClient(url, { serviceKey: process.env.FLUXBASE_SERVICE_KEY! });

const { data: visible } = await client.jobs.list();
console.log(`the anon key sees ${visible?.length} jobs`);
const refused = await client.jobs.submit("hello", { name: "anon" });
console.log(`the anon key submitting: ${refused.error?.code}`);

// Act as a signed-in user from now on (REST, jobs and realtime); null goes back to the key.
await client.auth.setSession({ access_token: process.env.FLUXBASE_KEY! });
const accepted = await client.jobs.submit("hello", { name: "Ada" });
console.log(`as the user: ${accepted.data?.status}`);
await client.auth.setAccessToken(null);
console.log(`back to the anon key: ${(await client.jobs.get(accepted.data!.id)).error?.code}`);

const { data: stats } = await admin.admin.jobs.getStats();
console.log(`the service key reads the stats: ${typeof stats?.total === "number"}`);
