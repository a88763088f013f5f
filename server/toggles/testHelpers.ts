/**
 * `setToggle` and `resetToggles` for the application's own tests: tests set the toggles they depend
 * on instead of relying on defaults. They act on every Fluxbase started in this process (usually
 * one) and return once that process reads the new value; other processes follow through NOTIFY.
 */
import { asService } from "../db/withClaims.ts";
import type { ToggleStore } from "./toggleStore.ts";
import { ensureToggle, putOverride, putToggle, resetAllToggles } from "./toggleWrites.ts";
import { toggleIdPattern } from "./types.ts";

const running = new Set<ToggleStore>();

/** @internal Called by the composition root when a Fluxbase starts and stops. */
export function trackToggleStore(store: ToggleStore): () => void {
  running.add(store);
  return () => running.delete(store);
}

function stores(helper: string): ToggleStore[] {
  if (running.size === 0) {
    throw new Error(`${helper}: no Fluxbase is started in this process; await fluxbase.start() first`);
  }
  return [...running];
}

/**
 * Sets a toggle's platform value (clearing its rollout), or with `tenant` that tenant's override.
 * A toggle no code declares is created.
 */
export async function setToggle(id: string, value: boolean, tenant?: string): Promise<void> {
  if (!toggleIdPattern.test(id)) throw new TypeError(`setToggle: not a toggle id: ${JSON.stringify(id)}`);
  if (typeof value !== "boolean") throw new TypeError("setToggle: value must be true or false");
  for (const store of stores("setToggle")) {
    await asService(store.sql, async (tx) => {
      if (tenant === undefined) {
        await putToggle(tx, id, { enabled: value, rollout_percent: null }, null);
        return;
      }
      await ensureToggle(tx, id);
      await putOverride(tx, id, tenant, value, null);
    });
    store.invalidate();
  }
}

/** Every toggle back to its code default: overrides, platform values and rollouts cleared. */
export async function resetToggles(): Promise<void> {
  for (const store of stores("resetToggles")) {
    await asService(store.sql, resetAllToggles);
    store.invalidate();
  }
}
