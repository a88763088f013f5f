/**
 * The key subscribers are grouped by for one RLS check per change: database role, role claim, subject
 * and a hash of every claim (policies may read any claim through auth.jwt(), so only tokens with
 * identical claims share a check).
 */
import { createHash } from "node:crypto";
import type { Identity } from "../auth/identity.ts";

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function identityKey(identity: Identity): string {
  const claims = createHash("sha256").update(stable(identity.claims)).digest("base64url").slice(0, 22);
  return `${identity.dbRole}:${identity.role.claim}:${identity.userId ?? "-"}:${claims}`;
}

export const isExpired = (identity: Identity, now = Date.now()) => identity.expiresAt * 1000 <= now;
