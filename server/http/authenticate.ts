/**
 * Middleware that turns `Authorization: Bearer <jwt>` (or, failing that, the `apikey` header) into
 * the caller's Identity. Authorization wins when both are present.
 */
import type { MiddlewareHandler } from "hono";
import type { Identity } from "../auth/identity.ts";
import type { TokenVerifier } from "../auth/verifyToken.ts";
import { forbidden, unauthorized } from "../errors.ts";
import type { AppEnv } from "./types.ts";

export function tokenFromHeaders(
  authorization: string | undefined,
  apikey: string | undefined,
): string | undefined {
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw unauthorized("INVALID_TOKEN", "The Authorization header must be `Bearer <token>`");
    return match[1];
  }
  return apikey?.trim() || undefined;
}

export function authenticate(verifyToken: TokenVerifier): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = tokenFromHeaders(c.req.header("authorization"), c.req.header("apikey"));
    if (!token)
      throw unauthorized("TOKEN_MISSING", "Send a token in the Authorization header or the apikey header");
    c.set("identity", await verifyToken(token));
    await next();
  };
}

/** Requires at least the admin level (admin, dashboard_admin or service_role). */
export function requireAdmin(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const identity: Identity = c.get("identity");
    if (identity.role.level < 2) {
      throw forbidden("ADMIN_REQUIRED", "This endpoint needs the admin or service_role role", {
        role: identity.role.claim,
      });
    }
    await next();
  };
}
