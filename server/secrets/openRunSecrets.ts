/**
 * The secrets one job run may read, decrypted (functions/runInputs.ts selects them): system secrets
 * that are global or of the job's namespace, and the submitting user's own. Within each group a
 * namespace-scoped value wins over a global one of the same name. A value that cannot be decrypted
 * is left out and reported, so one damaged secret does not stop every job.
 */
import { openSecret, SecretDecryptionError } from "./cipher.ts";
import type { Keyring } from "./keyring.ts";

export interface RunSecrets {
  system: Record<string, string>;
  user: Record<string, string>;
}

export interface StoredSecret {
  name: string;
  namespace: string | null;
  user_id: string | null;
  ciphertext: Buffer;
  nonce: Buffer;
  key_id: string;
}

/**
 * Decrypts a run's secret rows, ordered global first (a namespace's row then overwrites a global
 * one of the same name).
 */
export function openRunSecrets(
  keyring: Keyring,
  rows: StoredSecret[],
): { secrets: RunSecrets; problems: SecretDecryptionError[] } {
  // Null-prototype objects: a secret named "constructor" or "__proto__" is just a key.
  const secrets: RunSecrets = { system: Object.create(null), user: Object.create(null) };
  const problems: SecretDecryptionError[] = [];
  for (const row of rows) {
    const scope = { name: row.name, namespace: row.namespace, userId: row.user_id };
    try {
      const value = openSecret(keyring, scope, {
        ciphertext: row.ciphertext,
        nonce: row.nonce,
        keyId: row.key_id,
      });
      (row.user_id ? secrets.user : secrets.system)[row.name] = value;
    } catch (error) {
      if (!(error instanceof SecretDecryptionError)) throw error;
      problems.push(error);
    }
  }
  return { secrets, problems };
}
