/** Reads every toggle and override at once: the state each process caches (see toggleStore.ts). */
import type { Sql } from "../db/createSql.ts";
import { asService } from "../db/withClaims.ts";
import type { ToggleRow, ToggleState } from "./types.ts";

export async function loadToggleState(sql: Sql): Promise<ToggleState> {
  const [flags, overrides] = await asService(sql, async (tx) => [
    await tx<ToggleRow[]>`
      select id, description, code_default, enabled, rollout_percent, created_at, updated_at, updated_by
      from toggles.flags`,
    await tx<{ flag_id: string; tenant: string; enabled: boolean }[]>`
      select flag_id, tenant, enabled from toggles.overrides`,
  ]);
  const state: ToggleState = { flags: new Map(), overrides: new Map() };
  for (const flag of flags) state.flags.set(flag.id, flag);
  for (const row of overrides) {
    let byTenant = state.overrides.get(row.flag_id);
    if (!byTenant) {
      byTenant = new Map();
      state.overrides.set(row.flag_id, byTenant);
    }
    byTenant.set(row.tenant, row.enabled);
  }
  return state;
}
