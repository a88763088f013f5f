/** Reads secrets' metadata (never values): a filtered list, or one scope. RLS decides what is visible. */
import type { Tx } from "../db/createSql.ts";
import type { SecretScope } from "./cipher.ts";
import { metadataColumns, type SecretMetadata, scopeMatches } from "./secretRow.ts";

export interface SecretFilter {
  /** Only this namespace's secrets (not the global ones). */
  namespace?: string;
  /** Only system secrets, or only user secrets. */
  scope?: "system" | "user";
  /** Only this user's secrets. */
  userId?: string;
}

export function listSecrets(tx: Tx, filter: SecretFilter = {}): Promise<SecretMetadata[]> {
  const { namespace, scope, userId } = filter;
  return tx<SecretMetadata[]>`
    select ${metadataColumns(tx)} from jobs.secrets
    where ${namespace === undefined ? tx`true` : tx`namespace = ${namespace}`}
      and ${scope === undefined ? tx`true` : scope === "system" ? tx`user_id is null` : tx`user_id is not null`}
      and ${userId === undefined ? tx`true` : tx`user_id = ${userId}::uuid`}
    order by user_id nulls first, namespace nulls first, name`;
}

export async function findSecret(tx: Tx, scope: SecretScope): Promise<SecretMetadata | undefined> {
  const [row] = await tx<SecretMetadata[]>`
    select ${metadataColumns(tx)} from jobs.secrets where ${scopeMatches(tx, scope)}`;
  return row;
}

export async function deleteSecret(tx: Tx, scope: SecretScope): Promise<SecretMetadata | undefined> {
  const [row] = await tx<SecretMetadata[]>`
    delete from jobs.secrets where ${scopeMatches(tx, scope)} returning ${metadataColumns(tx)}`;
  return row;
}
