/**
 * Whether a toggle is on for a tenant, from cached state: the tenant's override, else the platform
 * value (the operator's, else the code's), or the tenant falls in the rollout. The same rule as
 * `toggles.is_on_for()` in SQL (migration 0011). Undefined for a toggle nobody declared or stored.
 */
import { rolloutBucket } from "./bucket.ts";
import type { ToggleDefinition, ToggleState } from "./types.ts";

export function evaluateToggle(
  state: ToggleState,
  declared: ReadonlyMap<string, ToggleDefinition>,
  id: string,
  tenant: string | null,
): boolean | undefined {
  if (tenant !== null) {
    const override = state.overrides.get(id)?.get(tenant);
    if (override !== undefined) return override;
  }
  const flag = state.flags.get(id);
  if (!flag) return declared.get(id)?.default;
  const platform = flag.enabled ?? flag.code_default ?? false;
  if (platform) return true;
  return tenant !== null && flag.rollout_percent !== null && rolloutBucket(id, tenant) < flag.rollout_percent;
}
