/**
 * An operator's changes, made as the caller (withClaims) so the audit trigger records who made them:
 * the platform value, rollout and description of a toggle; its removal; a tenant's override.
 */
import type { Tx } from "../db/createSql.ts";
import type { ToggleRow } from "./types.ts";

const columns = (tx: Tx) =>
  tx`id, description, code_default, enabled, rollout_percent, created_at, updated_at, updated_by`;

export interface TogglePatch {
  /** null: back to the code default. */
  enabled?: boolean | null;
  /** null: no rollout. */
  rollout_percent?: number | null;
  description?: string;
}

/** Creates or changes a toggle; fields left out keep their value (or the column default when new). */
export async function putToggle(
  tx: Tx,
  id: string,
  patch: TogglePatch,
  actor: string | null,
): Promise<{ toggle: ToggleRow; created: boolean }> {
  const has = (key: keyof TogglePatch) => patch[key] !== undefined;
  const [row] = await tx<(ToggleRow & { created: boolean })[]>`
    insert into toggles.flags (id, description, enabled, rollout_percent, updated_by)
    values (${id}, ${patch.description ?? ""}, ${patch.enabled ?? null}, ${patch.rollout_percent ?? null},
      ${actor}::uuid)
    on conflict (id) do update set
      enabled = ${has("enabled") ? tx`excluded.enabled` : tx`toggles.flags.enabled`},
      rollout_percent = ${has("rollout_percent") ? tx`excluded.rollout_percent` : tx`toggles.flags.rollout_percent`},
      description = ${has("description") ? tx`excluded.description` : tx`toggles.flags.description`},
      updated_at = now(), updated_by = excluded.updated_by
    returning ${columns(tx)}, (xmax = 0) as created`;
  const { created, ...toggle } = row!;
  return { toggle, created };
}

/** Creates a toggle made outside the code (off) unless it exists. */
export async function ensureToggle(tx: Tx, id: string): Promise<void> {
  await tx`insert into toggles.flags (id) values (${id}) on conflict (id) do nothing`;
}

/**
 * Removes what operators set: a toggle the code declares goes back to its default (platform value,
 * rollout and overrides cleared); one made through the API only is deleted with its overrides.
 * Undefined when there is no such toggle.
 */
export async function removeToggle(
  tx: Tx,
  id: string,
  actor: string | null,
): Promise<{ id: string; deleted: boolean; reverted: boolean } | undefined> {
  const [flag] = await tx<{ code_default: boolean | null }[]>`
    select code_default from toggles.flags where id = ${id} for update`;
  if (!flag) return undefined;
  if (flag.code_default === null) {
    await tx`delete from toggles.flags where id = ${id}`;
    return { id, deleted: true, reverted: false };
  }
  await tx`delete from toggles.overrides where flag_id = ${id}`;
  await tx`
    update toggles.flags set enabled = null, rollout_percent = null, updated_at = now(), updated_by = ${actor}::uuid
    where id = ${id}`;
  return { id, deleted: false, reverted: true };
}

export interface OverrideRow {
  tenant: string;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
  updated_by: string | null;
}

/** Sets a tenant's value; undefined when the toggle does not exist. */
export async function putOverride(
  tx: Tx,
  id: string,
  tenant: string,
  enabled: boolean,
  actor: string | null,
): Promise<{ override: OverrideRow; created: boolean } | undefined> {
  const [row] = await tx<(OverrideRow & { created: boolean })[]>`
    insert into toggles.overrides (flag_id, tenant, enabled, updated_by)
    select id, ${tenant}, ${enabled}, ${actor}::uuid from toggles.flags where id = ${id}
    on conflict (flag_id, tenant) do update set
      enabled = excluded.enabled, updated_at = now(), updated_by = excluded.updated_by
    returning tenant, enabled, created_at, updated_at, updated_by, (xmax = 0) as created`;
  if (!row) return undefined;
  const { created, ...override } = row;
  return { override, created };
}

/** Removes a tenant's value; false when it had none. */
export async function deleteOverride(tx: Tx, id: string, tenant: string): Promise<boolean> {
  const rows =
    await tx`delete from toggles.overrides where flag_id = ${id} and tenant = ${tenant} returning 1`;
  return rows.length > 0;
}

/** Back to what the code declares: every override gone, platform values and rollouts cleared. */
export async function resetAllToggles(tx: Tx): Promise<void> {
  await tx`delete from toggles.overrides`;
  await tx`delete from toggles.flags where code_default is null`;
  await tx`
    update toggles.flags set enabled = null, rollout_percent = null, updated_at = now(), updated_by = null
    where enabled is not null or rollout_percent is not null`;
}
