/**
 * The role ladder and the allow-list that stands between a JWT's role claim and the database role
 * the caller runs as (db/withClaims.ts sets it).
 * anon < authenticated < admin < service_role; any other well-formed claim is a custom user role that
 * runs as the Postgres role `authenticated` while auth.role() still returns the claim.
 */
import type { DbRole } from "../db/withClaims.ts";
import { forbidden } from "../errors.ts";

export type RoleLevel = 0 | 1 | 2 | 3;

export interface ResolvedRole {
  /** The claim as the token states it. */
  claim: string;
  dbRole: DbRole;
  level: RoleLevel;
}

const adminClaims = new Set(["admin", "dashboard_admin"]);
// Names that belong to the database itself, never to a caller.
const reserved = /^(postgres|pg_.*|root|superuser|supabase_.*|rds.*|cloudsql.*|replication|fluxbase.*)$/i;
const wellFormed = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

export function resolveRole(claim: unknown): ResolvedRole {
  if (typeof claim !== "string" || !wellFormed.test(claim) || reserved.test(claim)) {
    throw forbidden(
      "ROLE_NOT_ALLOWED",
      `The token's role claim is not an allowed role: ${JSON.stringify(claim)}`,
    );
  }
  if (claim === "anon") return { claim, dbRole: "anon", level: 0 };
  if (claim === "service_role") return { claim, dbRole: "service_role", level: 3 };
  if (adminClaims.has(claim)) return { claim, dbRole: "authenticated", level: 2 };
  return { claim, dbRole: "authenticated", level: 1 };
}

/** True when a caller with `role` satisfies a function's `require_roles` list (any one of them). */
export function satisfiesRoles(role: ResolvedRole, required: readonly string[]): boolean {
  if (required.length === 0) return true;
  const met = rolesMet(role);
  return met === "all" || required.some((want) => met.includes(want));
}

/**
 * The role names a caller with `role` meets in a `require_roles` list ("all": the service role):
 * its own claim, `anon`, `authenticated` for every signed-in role, both admin names for admins.
 */
export function rolesMet(role: ResolvedRole): string[] | "all" {
  if (role.level === 3) return "all";
  const met = [role.claim, "anon"];
  if (role.level >= 1) met.push("authenticated");
  if (role.level >= 2) met.push(...adminClaims);
  return met;
}
