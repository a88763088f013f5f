// Feature toggles in your own Node process: declare them, flip one for a tenant, read it anywhere.
import { createClient } from "@fluxbase/sdk";
import { createFluxbase } from "fluxbase-jobs";
import { invoiceRun, newBilling } from "./toggles/features.ts";

const fluxbase = createFluxbase({
  jobs: [invoiceRun],
  toggles: [newBilling],
  jobSettings: { embeddedWorkerCount: 1 },
});
const started = await fluxbase.start();
const service = createClient(started.url, started.serviceKey);

console.log("acme before:", await fluxbase.toggles.isOn("new-billing", "acme"));
// An operator turns it on for one tenant, and for 20 % of all tenants, without a deploy.
await service.admin.toggles.setTenant("new-billing", "acme", true);
await service.admin.toggles.set("new-billing", { rollout_percent: 20 });
console.log("acme after:", await fluxbase.toggles.isOn("new-billing", "acme"));
console.log("initech (outside the 20 %):", await fluxbase.toggles.isOn("new-billing", "initech"));

// A job submitted for a user of tenant acme reads acme's value.
const user = { userId: "0b5e3c1a-7d2f-4e8b-9a61-3c4d5e6f7a8b", tenant: "acme" };
const job = await fluxbase.jobs.enqueue("invoice-run", { month: "2026-11" }, { onBehalfOf: user });
const { data: done } = await service.jobs.waitFor(job.id, { timeoutMs: 30_000 });
console.log(done?.status, JSON.stringify(done?.result));

// Every flip is recorded: who, when, the value before and after.
const { data: changes } = await service.admin.toggles.history("new-billing");
for (const change of changes ?? []) {
  console.log(`${change.action} ${change.tenant ?? "(platform)"}: ${JSON.stringify(change.new)}`);
}
await fluxbase.stop();
