/** The shapes of the toggles API, as the server sends them (timestamps as ISO strings). */

/** `client.toggles.get(id)`: a toggle's value for the caller's tenant. */
export interface ToggleValue {
  id: string;
  on: boolean;
  /** The caller's tenant (FLUXBASE_TENANT_CLAIM, else the user id); null for anon and the service role. */
  tenant: string | null;
}

/** A toggle as operators see it. */
export interface Toggle {
  id: string;
  description: string;
  /** What the application's code declares (defineToggle); null for toggles made through the API. */
  code_default: boolean | null;
  /** The platform value an operator set; null: the code default. */
  enabled: boolean | null;
  /** On for this share of tenants (0–100) on top of the platform value; null: no rollout. */
  rollout_percent: number | null;
  /** Whether the answering process's code declares it. */
  declared: boolean;
  created_at: string;
  updated_at: string;
  updated_by: string | null;
}

/** One row of `client.admin.toggles.list()`. */
export interface ToggleSummary extends Toggle {
  /** How many tenants have an override. */
  overrides: number;
}

/** A tenant's own value of a toggle. */
export interface ToggleOverride {
  tenant: string;
  enabled: boolean;
  created_at: string;
  updated_at: string;
  updated_by: string | null;
}

/** `client.admin.toggles.get(id)`; with `{ tenant }` also that tenant's value as `on`. */
export interface ToggleDetail extends Toggle {
  overrides: ToggleOverride[];
  tenant?: string;
  on?: boolean;
}

/** What `client.admin.toggles.set` changes; fields left out keep their value. */
export interface SetToggleInput {
  /** The platform value; null goes back to the code default. */
  enabled?: boolean | null;
  /** 0–100; null ends the rollout. */
  rollout_percent?: number | null;
  description?: string;
}

/** One recorded flip (`client.admin.toggles.history`). */
export interface ToggleChange {
  id: number;
  /** null: the platform value or rollout changed. */
  tenant: string | null;
  action: "insert" | "update" | "delete";
  old: Record<string, unknown> | null;
  new: Record<string, unknown> | null;
  /** The user who made it; null for the service key. */
  actor: string | null;
  actor_role: string | null;
  at: string;
}
