/**
 * Middleware that turns `Authorization: Bearer <jwt>` (or, failing that, the `apikey` header) into
 * the caller's Identity. Authorization wins when both are present.
 */
import type { MiddlewareHandler } from "hono";
import type { Identity, KeyScope } from "../auth/identity.ts";
import type { TokenVerifier } from "../auth/verifyToken.ts";
import { forbidden, unauthorized } from "../errors.ts";
import { KEY_PREFIX } from "../keys/apiKeys.ts";
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

export interface AuthenticateOptions {
  /** Accepts API keys (`fbk_...`) on these routes; without it a key is refused with 403. */
  verifyKey?: (key: string) => Promise<Identity>;
}

export function authenticate(
  verifyToken: TokenVerifier,
  options: AuthenticateOptions = {},
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = tokenFromHeaders(c.req.header("authorization"), c.req.header("apikey"));
    if (!token)
      throw unauthorized("TOKEN_MISSING", "Send a token in the Authorization header or the apikey header");
    if (token.startsWith(KEY_PREFIX)) {
      if (!options.verifyKey)
        throw forbidden(
          "KEY_NOT_ALLOWED",
          "API keys work with the jobs API (/api/v1/jobs) only; send a JWT here",
        );
      c.set("identity", await options.verifyKey(token));
    } else c.set("identity", await verifyToken(token));
    await next();
  };
}

/** With an API key, requires its `scope`; a JWT passes (its role decides, as everywhere). */
export function requireScope(scope: KeyScope): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.get("identity").key;
    if (key && !key.scopes.has(scope))
      throw forbidden("KEY_SCOPE_REQUIRED", `The key "${key.name}" lacks the ${scope} scope`, {
        scope,
        key: key.name,
      });
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
