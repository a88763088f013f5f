// In your own tests: set the toggles a test depends on (never rely on defaults), reset after.
import assert from "node:assert/strict";
import { createFluxbase, resetToggles, setToggle } from "fluxbase-jobs";
import { invoiceRun, newBilling } from "./toggles/features.ts";

const fluxbase = createFluxbase({ jobs: [invoiceRun], toggles: [newBilling] });
await fluxbase.start();
try {
  await setToggle("new-billing", true, "acme"); // one tenant
  assert.equal(await fluxbase.toggles.isOn("new-billing", "acme"), true);
  assert.equal(await fluxbase.toggles.isOn("new-billing", "globex"), false);

  await setToggle("new-billing", true); // everyone
  assert.equal(await fluxbase.toggles.isOn("new-billing", "globex"), true);

  await resetToggles(); // back to what the code declares (in a test runner: afterEach(resetToggles))
  assert.equal(await fluxbase.toggles.isOn("new-billing", "acme"), false);
  console.log("toggle tests passed");
} finally {
  await fluxbase.stop();
}
