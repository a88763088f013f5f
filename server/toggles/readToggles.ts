/** What operators read: the toggles, one toggle's overrides, and its history. RLS: admins only. */
import type { Tx } from "../db/createSql.ts";
import type { OverrideRow } from "./toggleWrites.ts";
import type { ToggleRow } from "./types.ts";

export interface ToggleSummary extends ToggleRow {
  /** How many tenants have an override. */
  overrides: number;
}

export function listToggles(tx: Tx): Promise<ToggleSummary[]> {
  return tx<ToggleSummary[]>`
    select f.id, f.description, f.code_default, f.enabled, f.rollout_percent, f.created_at, f.updated_at,
      f.updated_by, (select count(*)::int from toggles.overrides o where o.flag_id = f.id) as overrides
    from toggles.flags f order by f.id`;
}

export async function findToggle(
  tx: Tx,
  id: string,
): Promise<(ToggleRow & { overrides: OverrideRow[] }) | undefined> {
  const [flag] = await tx<ToggleRow[]>`
    select id, description, code_default, enabled, rollout_percent, created_at, updated_at, updated_by
    from toggles.flags where id = ${id}`;
  if (!flag) return undefined;
  const overrides = await tx<OverrideRow[]>`
    select tenant, enabled, created_at, updated_at, updated_by from toggles.overrides
    where flag_id = ${id} order by tenant`;
  return { ...flag, overrides };
}

export interface ToggleChange {
  id: number;
  tenant: string | null;
  action: "insert" | "update" | "delete";
  old: Record<string, unknown> | null;
  new: Record<string, unknown> | null;
  actor: string | null;
  actor_role: string | null;
  at: Date;
}

/** Newest first. */
export function toggleHistory(tx: Tx, id: string, limit: number): Promise<ToggleChange[]> {
  return tx<ToggleChange[]>`
    select id::int, tenant, action, old, new, actor, actor_role, at from toggles.audit
    where flag_id = ${id} order by at desc, id desc limit ${limit}`;
}
