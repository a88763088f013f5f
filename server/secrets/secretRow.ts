/** What callers see of a secret: its scope and timestamps, never its value or ciphertext. */
import type { Tx } from "../db/createSql.ts";
import type { SecretScope } from "./cipher.ts";

export interface SecretMetadata {
  id: string;
  name: string;
  /** null: visible to jobs of every namespace. */
  namespace: string | null;
  /** null: a system secret. */
  user_id: string | null;
  scope: "system" | "user";
  created_at: Date;
  updated_at: Date;
  created_by: string | null;
  updated_by: string | null;
}

/** The select list for SecretMetadata (a fragment of the caller's query). */
export const metadataColumns = (tx: Tx) =>
  tx`id, name, namespace, user_id, case when user_id is null then 'system' else 'user' end as scope,
     created_at, updated_at, created_by, updated_by`;

/** Matches exactly one scope: a NULL namespace or user is a scope of its own, not a wildcard. */
export const scopeMatches = (tx: Tx, scope: SecretScope) =>
  tx`name = ${scope.name} and namespace is not distinct from ${scope.namespace}
     and user_id is not distinct from ${scope.userId}::uuid`;
