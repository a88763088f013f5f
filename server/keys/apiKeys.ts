/**
 * API keys: `fbk_<id>_<secret>`. The id finds the row; the secret is compared by its sha256 in
 * constant time. A revoked or expired key is refused at once (every request reads its row).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Identity, KeyGrant, KeyScope } from "../auth/identity.ts";
import type { Sql, Tx } from "../db/createSql.ts";
import { asService } from "../db/withClaims.ts";
import { conflict, notFound, unauthorized } from "../errors.ts";

export const KEY_PREFIX = "fbk_";
export const KEY_SCOPES: readonly KeyScope[] = ["jobs:read", "jobs:write"];

export interface ApiKeyRow {
  id: string;
  name: string;
  scopes: KeyScope[];
  namespace: string | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  created_by: string | null;
  created_at: Date;
  last_used_at: Date | null;
}

const columns = [
  "id",
  "name",
  "scopes",
  "namespace",
  "expires_at",
  "revoked_at",
  "created_by",
  "created_at",
  "last_used_at",
] as const;
const hash = (secret: string) => createHash("sha256").update(secret).digest("hex");
const KEY_SHAPE = /^fbk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export async function createApiKey(
  tx: Tx,
  input: {
    name: string;
    scopes: KeyScope[];
    namespace?: string | null;
    expiresInMs?: number | null;
    createdBy: string | null;
  },
): Promise<ApiKeyRow & { key: string }> {
  const secret = randomBytes(32).toString("base64url");
  const [row] = await tx<ApiKeyRow[]>`
    insert into jobs.api_keys (name, secret_hash, scopes, namespace, expires_at, created_by)
    values (${input.name}, ${hash(secret)}, ${input.scopes}::text[], ${input.namespace ?? null},
      ${input.expiresInMs ? tx`now() + make_interval(secs => ${input.expiresInMs / 1000})` : null}, ${input.createdBy})
    on conflict (name) where revoked_at is null do nothing
    returning ${tx(columns)}`;
  if (!row)
    throw conflict("KEY_EXISTS", `A live key named "${input.name}" exists; revoke it or pick another name`, {
      name: input.name,
    });
  return { ...row, key: `${KEY_PREFIX}${row.id.replaceAll("-", "")}_${secret}` };
}

export function listApiKeys(tx: Tx): Promise<ApiKeyRow[]> {
  return tx<
    ApiKeyRow[]
  >`select ${tx(columns)} from jobs.api_keys order by revoked_at nulls first, name, created_at`;
}

export async function revokeApiKey(tx: Tx, name: string): Promise<ApiKeyRow> {
  const [row] = await tx<ApiKeyRow[]>`
    update jobs.api_keys set revoked_at = now() where name = ${name} and revoked_at is null
    returning ${tx(columns)}`;
  if (!row) throw notFound("KEY_NOT_FOUND", `No live key named "${name}"`, { name });
  return row;
}

/** The grant a key gives, or a 401 saying why it gives none. */
export async function verifyApiKey(sql: Sql, key: string): Promise<KeyGrant> {
  const match = KEY_SHAPE.exec(key);
  if (!match) throw unauthorized("INVALID_KEY", "This is not a Fluxbase API key");
  const id = match[1]!.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
  const row = await asService(sql, async (tx) => {
    const [found] = await tx<(ApiKeyRow & { secret_hash: string; expired: boolean })[]>`
      select ${tx(columns)}, secret_hash, coalesce(expires_at <= now(), false) as expired
      from jobs.api_keys where id = ${id}`;
    if (found && !found.revoked_at && !found.expired)
      await tx`update jobs.api_keys set last_used_at = now()
        where id = ${id} and (last_used_at is null or last_used_at < now() - interval '1 minute')`;
    return found;
  });
  const given = Buffer.from(hash(match[2]!), "hex");
  if (!row || !timingSafeEqual(given, Buffer.from(row.secret_hash, "hex")))
    throw unauthorized("INVALID_KEY", "Unknown API key");
  if (row.revoked_at)
    throw unauthorized("KEY_REVOKED", `The key "${row.name}" was revoked`, { name: row.name });
  if (row.expired) throw unauthorized("KEY_EXPIRED", `The key "${row.name}" has expired`, { name: row.name });
  return { id: row.id, name: row.name, scopes: new Set(row.scopes), namespace: row.namespace };
}

/** The identity a key's requests act as: the service role in the database, confined by the routes. */
export function keyIdentity(grant: KeyGrant, token: string): Identity {
  return {
    dbRole: "service_role",
    claims: { role: "service_role", api_key: grant.name },
    role: { claim: "api_key", dbRole: "service_role", level: 1 },
    userId: null,
    email: null,
    token,
    expiresAt: 0,
    key: grant,
  };
}
