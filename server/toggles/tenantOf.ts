/**
 * A caller's tenant for toggles: the configured claim (FLUXBASE_TENANT_CLAIM, default `tenant_id`)
 * when the token carries it, else the user id; null for anon and the service role. SQL's
 * `toggles.current_tenant()` applies the same rule to the request's claims.
 */
export function tenantOf(claims: Record<string, unknown>, tenantClaim: string): string | null {
  const value = claims[tenantClaim];
  if ((typeof value === "string" && value !== "") || (typeof value === "number" && Number.isFinite(value))) {
    return String(value);
  }
  const sub = claims.sub;
  return typeof sub === "string" &&
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(sub)
    ? sub.toLowerCase()
    : null;
}
