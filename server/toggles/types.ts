/** The shapes of feature toggles: what `defineToggle` returns and what code reads toggles through. */

/** A toggle the application's code declares (see defineToggle). */
export interface ToggleDefinition {
  readonly kind: "toggle";
  /** Lower-case letters, digits, `.`, `-` and `_`, at most 100 characters. */
  readonly id: string;
  /** The platform value until an operator sets one. */
  readonly default: boolean;
  readonly description: string;
}

/** Reads toggles for one tenant (`ctx.toggles` in trusted handlers). */
export interface Toggles {
  /**
   * Whether the toggle is on for this tenant: its override, else the platform value, or the tenant
   * falls in the rollout. Throws for a toggle that is neither declared nor stored (a typo).
   */
  isOn(id: string): Promise<boolean>;
}

/** A stored toggle, as `toggles.flags` holds it. */
export interface ToggleRow {
  id: string;
  description: string;
  /** What the code declares; null for toggles made through the API only. */
  code_default: boolean | null;
  /** The platform value an operator set; null: the code default. */
  enabled: boolean | null;
  rollout_percent: number | null;
  created_at: Date;
  updated_at: Date;
  updated_by: string | null;
}

/** Everything `isOn` needs, loaded at once and cached per process. */
export interface ToggleState {
  flags: Map<string, ToggleRow>;
  /** toggle id → tenant → value. */
  overrides: Map<string, Map<string, boolean>>;
}

/** The pattern of a toggle id, shared by defineToggle, the API and the table's CHECK. */
export const toggleIdPattern = /^[a-z0-9][a-z0-9._-]{0,99}$/;
