/**
 * One system secret's value (global: no namespace, no user), decrypted, for the server's own use
 * (an AI provider's API key). Undefined when it is not set.
 */
import type { Sql } from "../db/createSql.ts";
import { asService } from "../db/withClaims.ts";
import { openSecret } from "./cipher.ts";
import type { Keyring } from "./keyring.ts";

export async function readSystemSecret(
  sql: Sql,
  keyring: Keyring,
  name: string,
): Promise<string | undefined> {
  const [row] = await asService(
    sql,
    (tx) => tx<{ ciphertext: Buffer; nonce: Buffer; key_id: string }[]>`
      select ciphertext, nonce, key_id from jobs.secrets
      where name = ${name} and namespace is null and user_id is null`,
  );
  if (!row) return undefined;
  return openSecret(
    keyring,
    { name, namespace: null, userId: null },
    { ciphertext: row.ciphertext, nonce: row.nonce, keyId: row.key_id },
  );
}
