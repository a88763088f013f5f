// Toggles the code declares, beside a trusted handler that reads one for its job's tenant.
import { defineJob, defineToggle } from "fluxbase-jobs";

export const newBilling = defineToggle({
  id: "new-billing",
  default: false,
  description: "Invoices through the v2 pipeline",
});

export const invoiceRun = defineJob({
  name: "invoice-run",
  handler: async (ctx, payload) => {
    // The job's tenant is its submitter's: their tenant claim, else their user id.
    const pipeline = (await ctx.toggles.isOn("new-billing")) ? "v2" : "v1";
    return { month: payload.month, pipeline };
  },
});

export default [newBilling, invoiceRun];
