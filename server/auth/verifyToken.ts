/** Verifies an HS256 JWT with pinned algorithms and required claims, and resolves its role. */
import { errors as joseErrors, jwtVerify } from "jose";
import { unauthorized } from "../errors.ts";
import { hmacKey } from "./hmacKey.ts";
import type { Identity } from "./identity.ts";
import type { JobLeaseCheck } from "./jobLeaseCheck.ts";
import { resolveRole } from "./roles.ts";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type TokenVerifier = (token: string) => Promise<Identity>;

const VERIFIED_TOKENS_KEPT = 10_000;

const uuidLike = (value: unknown): value is string => typeof value === "string" && uuidPattern.test(value);

export function createTokenVerifier(secret: string, checkJobLease?: JobLeaseCheck): TokenVerifier {
  const key = hmacKey(secret);
  // Verified payloads by token: the same string carries the same signature, so a client sending its
  // token again skips the HMAC until the token expires. Bounded; emptied when full.
  const verified = new Map<string, Record<string, unknown> & { exp: number }>();
  return async (token) => {
    let payload: Record<string, unknown>;
    const known = verified.get(token);
    try {
      if (known && known.exp > Date.now() / 1000) {
        payload = known;
      } else {
        verified.delete(token);
        ({ payload } = await jwtVerify(token, await key, {
          algorithms: ["HS256"],
          requiredClaims: ["exp", "role"],
        }));
        if (verified.size >= VERIFIED_TOKENS_KEPT) verified.clear();
        verified.set(token, payload as Record<string, unknown> & { exp: number });
      }
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired)
        throw unauthorized("TOKEN_EXPIRED", "The token has expired");
      if (error instanceof joseErrors.JWTClaimValidationFailed) {
        throw unauthorized("INVALID_TOKEN", `The token is missing a required claim: ${error.claim}`);
      }
      throw unauthorized("INVALID_TOKEN", "The token is not a valid HS256 JWT signed by this server");
    }
    const role = resolveRole(payload.role);
    const sub = typeof payload.sub === "string" ? payload.sub : null;
    if (role.level === 1 || role.level === 2) {
      if (!sub || !uuidPattern.test(sub)) {
        throw unauthorized("INVALID_TOKEN", "A user token needs a `sub` claim holding the user's uuid");
      }
    }
    if (payload.job_id !== undefined || payload.job_lease !== undefined) {
      const live =
        uuidLike(payload.job_id) && uuidLike(payload.job_lease) && checkJobLease
          ? await checkJobLease(payload.job_id, payload.job_lease)
          : false;
      if (!live) throw unauthorized("TOKEN_EXPIRED", "The job run this token was issued for has ended");
    }
    const email = typeof payload.email === "string" ? payload.email : null;
    return {
      dbRole: role.dbRole,
      claims: payload,
      role,
      userId: sub && uuidPattern.test(sub) ? sub.toLowerCase() : null,
      email,
      token,
      expiresAt: Number(payload.exp),
    };
  };
}
