/** Creates or replaces one secret's value, sealed with the keyring's current key. */
import type { Tx } from "../db/createSql.ts";
import { type SecretScope, sealSecret } from "./cipher.ts";
import type { Keyring } from "./keyring.ts";
import { metadataColumns, type SecretMetadata } from "./secretRow.ts";

export interface PutSecretInput {
  scope: SecretScope;
  value: string;
  /** Who is writing it (null for the service key). */
  actor: string | null;
}

export async function putSecret(
  tx: Tx,
  keyring: Keyring,
  input: PutSecretInput,
): Promise<{ secret: SecretMetadata; created: boolean }> {
  const { scope, actor } = input;
  const sealed = sealSecret(keyring, scope, input.value);
  const [row] = await tx<(SecretMetadata & { created: boolean })[]>`
    insert into jobs.secrets (name, namespace, user_id, ciphertext, nonce, key_id, created_by, updated_by)
    values (${scope.name}, ${scope.namespace}, ${scope.userId}::uuid, ${sealed.ciphertext}, ${sealed.nonce},
      ${sealed.keyId}, ${actor}::uuid, ${actor}::uuid)
    on conflict on constraint secrets_scope_key do update set
      ciphertext = excluded.ciphertext, nonce = excluded.nonce, key_id = excluded.key_id,
      updated_at = now(), updated_by = excluded.updated_by
    returning ${metadataColumns(tx)}, (xmax = 0) as created`;
  const { created, ...secret } = row!;
  return { secret, created };
}
