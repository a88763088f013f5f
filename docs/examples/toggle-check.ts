// The signed-in user asks whether a toggle is on for their tenant (their tenant claim, else them).
import { createClient } from "@fluxbase/sdk";

const client = createClient(process.env.FLUXBASE_URL!, process.env.FLUXBASE_KEY!);

const { data: on, error } = await client.toggles.isOn("new-billing");
if (error) throw error;
console.log(on ? "new billing" : "old billing");

const { data: value } = await client.toggles.get("new-billing");
console.log(`decided for tenant ${value?.tenant}`);

const missing = await client.toggles.isOn("no-such-toggle");
console.log(missing.error?.code);
