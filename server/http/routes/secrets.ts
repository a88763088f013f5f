/**
 * The secrets API. Values are write-only: every response carries a secret's scope and timestamps,
 * never its value, so a leaked admin token cannot read secrets back (jobs read them in the sandbox).
 * - `/api/v1/admin/secrets` (admin or service_role): system secrets, global or per namespace, and
 *   any user's secrets through `user_id`.
 * - `/api/v1/secrets` (a signed-in user): the caller's own secrets; RLS keeps everyone else's
 *   out of sight, so another user's secret of the same name simply does not exist for them.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { Identity } from "../../auth/identity.ts";
import { withClaims } from "../../db/withClaims.ts";
import { forbidden, notFound, unauthorized } from "../../errors.ts";
import type { SecretScope } from "../../secrets/cipher.ts";
import { keyringFor } from "../../secrets/encryptionKey.ts";
import { deleteSecret, findSecret, listSecrets } from "../../secrets/findSecrets.ts";
import { putSecret } from "../../secrets/putSecret.ts";
import { authenticate, requireAdmin } from "../authenticate.ts";
import { limitBody } from "../limitBody.ts";
import { hasUnstorableText, readJson, validate } from "../readBody.ts";
import { uuid } from "../schemas.ts";
import type { AppEnv, HttpDeps } from "../types.ts";

const MAX_VALUE_BYTES = 64 * 1024;

const secretName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,127}$/,
    "expected a letter or _ followed by letters, digits and _ (at most 128 characters)",
  );
const namespace = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "expected a namespace of letters, digits, - and _");
const value = z
  .string({ error: "expected the secret's value as a string" })
  .min(1, "expected a non-empty string")
  .refine((v) => Buffer.byteLength(v) <= MAX_VALUE_BYTES, `expected at most ${MAX_VALUE_BYTES} bytes`)
  .refine((v) => !hasUnstorableText(v), "may not contain NUL characters or unpaired surrogates");
const userId = uuid.transform((id) => id.toLowerCase());

export const userBody = z.object({ value, namespace: namespace.nullish() }).strict();
export const adminBody = z
  .object({ value, namespace: namespace.nullish(), user_id: userId.nullish() })
  .strict();
export const userScopeQuery = z.object({ namespace: namespace.optional() }).strict();
export const adminScopeQuery = z
  .object({ namespace: namespace.optional(), user_id: userId.optional() })
  .strict();
export const adminListQuery = adminScopeQuery
  .extend({ scope: z.enum(["system", "user"]).optional() })
  .strict();

export function adminSecretsRoutes(deps: HttpDeps) {
  const { sql } = deps;
  return new Hono<AppEnv>()
    .use("*", authenticate(deps.verifyToken), requireAdmin())
    .get("/", async (c) => {
      const q = validate(adminListQuery, c.req.query(), "query");
      const secrets = await withClaims(sql, c.get("identity"), (tx) =>
        listSecrets(tx, { namespace: q.namespace, scope: q.scope, userId: q.user_id }),
      );
      return c.json({ secrets, count: secrets.length });
    })
    .get("/:name", async (c) => {
      const scope = adminScope(c.req.param("name"), c.req.query());
      const secret = await withClaims(sql, c.get("identity"), (tx) => findSecret(tx, scope));
      if (!secret) throw secretNotFound(scope);
      return c.json(secret);
    })
    .put("/:name", limitBody(8 * MAX_VALUE_BYTES), async (c) => {
      const name = validate(secretName, c.req.param("name"), "secret name");
      const body = await readJson(c, adminBody);
      const identity = c.get("identity");
      const scope = { name, namespace: body.namespace ?? null, userId: body.user_id ?? null };
      const { secret, created } = await withClaims(sql, identity, (tx) =>
        putSecret(tx, keyringFor(deps.config), { scope, value: body.value, actor: identity.userId }),
      );
      return c.json(secret, created ? 201 : 200);
    })
    .delete("/:name", async (c) => {
      const scope = adminScope(c.req.param("name"), c.req.query());
      const deleted = await withClaims(sql, c.get("identity"), (tx) => deleteSecret(tx, scope));
      if (!deleted) throw secretNotFound(scope);
      return c.json({ deleted });
    });
}

/** Which secret an admin request means: the path's name, `?namespace=` and `?user_id=` (absent: NULL). */
function adminScope(name: string, query: unknown): SecretScope {
  const q = validate(adminScopeQuery, query, "query");
  return {
    name: validate(secretName, name, "secret name"),
    namespace: q.namespace ?? null,
    userId: q.user_id ?? null,
  };
}

export function userSecretsRoutes(deps: HttpDeps) {
  const { sql } = deps;
  const scopeOf = (name: string, identity: Identity, ns: string | null | undefined): SecretScope => ({
    name: validate(secretName, name, "secret name"),
    namespace: ns ?? null,
    userId: callerId(identity),
  });
  return new Hono<AppEnv>()
    .use("*", authenticate(deps.verifyToken))
    .get("/", async (c) => {
      const identity = c.get("identity");
      const q = validate(userScopeQuery, c.req.query(), "query");
      const secrets = await withClaims(sql, identity, (tx) =>
        listSecrets(tx, { namespace: q.namespace, userId: callerId(identity) }),
      );
      return c.json({ secrets, count: secrets.length });
    })
    .get("/:name", async (c) => {
      const identity = c.get("identity");
      const q = validate(userScopeQuery, c.req.query(), "query");
      const scope = scopeOf(c.req.param("name"), identity, q.namespace);
      const secret = await withClaims(sql, identity, (tx) => findSecret(tx, scope));
      if (!secret) throw secretNotFound(scope);
      return c.json(secret);
    })
    .put("/:name", limitBody(8 * MAX_VALUE_BYTES), async (c) => {
      const identity = c.get("identity");
      const name = c.req.param("name");
      callerId(identity); // a token without a user is refused before its body is looked at
      const body = await readJson(c, userBody);
      const scope = scopeOf(name, identity, body.namespace);
      const { secret, created } = await withClaims(sql, identity, (tx) =>
        putSecret(tx, keyringFor(deps.config), { scope, value: body.value, actor: identity.userId }),
      );
      return c.json(secret, created ? 201 : 200);
    })
    .delete("/:name", async (c) => {
      const identity = c.get("identity");
      const q = validate(userScopeQuery, c.req.query(), "query");
      const scope = scopeOf(c.req.param("name"), identity, q.namespace);
      const deleted = await withClaims(sql, identity, (tx) => deleteSecret(tx, scope));
      if (!deleted) throw secretNotFound(scope);
      return c.json({ deleted });
    });
}

/** The user whose secrets `/api/v1/secrets` manages; tokens without one have no secrets of their own. */
function callerId(identity: Identity): string {
  if (identity.userId) return identity.userId;
  if (identity.role.level === 0) {
    throw unauthorized("USER_REQUIRED", "Sign in: user secrets belong to a signed-in user");
  }
  throw forbidden(
    "USER_REQUIRED",
    "This token has no user (sub claim); manage system secrets through /api/v1/admin/secrets",
    { role: identity.role.claim },
  );
}

function secretNotFound(scope: SecretScope) {
  const where = [
    scope.namespace === null ? "global" : `namespace "${scope.namespace}"`,
    scope.userId === null ? "system" : `user ${scope.userId}`,
  ].join(", ");
  return notFound("SECRET_NOT_FOUND", `No secret "${scope.name}" (${where})`, {
    name: scope.name,
    namespace: scope.namespace,
    user_id: scope.userId,
  });
}
