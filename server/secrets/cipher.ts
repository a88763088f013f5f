/**
 * Seals and opens secret values with AES-256-GCM. A fresh 12-byte nonce per value; the 16-byte tag is
 * appended to the ciphertext. The secret's scope (name, namespace, user) is the additional
 * authenticated data, so a ciphertext copied onto another row does not open there.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Keyring } from "./keyring.ts";

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretScope {
  name: string;
  /** null: every namespace. */
  namespace: string | null;
  /** null: a system secret. */
  userId: string | null;
}

export interface SealedSecret {
  ciphertext: Buffer;
  nonce: Buffer;
  keyId: string;
}

/** A stored value that cannot be opened: unknown key, or tampered ciphertext, nonce, tag or scope. */
export class SecretDecryptionError extends Error {
  readonly secretName: string;
  readonly keyId: string;
  constructor(scope: SecretScope, keyId: string, reason: string) {
    super(`Secret "${scope.name}" could not be decrypted: ${reason}`);
    this.name = "SecretDecryptionError";
    this.secretName = scope.name;
    this.keyId = keyId;
  }
}

// uuids are compared in lower case: Postgres returns them that way whatever case they were written in.
const aad = (scope: SecretScope) =>
  Buffer.from(
    JSON.stringify(["fluxbase-secret-v1", scope.name, scope.namespace, scope.userId?.toLowerCase() ?? null]),
  );

export function sealSecret(keyring: Keyring, scope: SecretScope, value: string): SealedSecret {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", keyring.current.key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(scope));
  const body = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
  return { ciphertext: Buffer.concat([body, cipher.getAuthTag()]), nonce, keyId: keyring.current.id };
}

export function openSecret(keyring: Keyring, scope: SecretScope, sealed: SealedSecret): string {
  const key = keyring.get(sealed.keyId);
  if (!key) {
    throw new SecretDecryptionError(
      scope,
      sealed.keyId,
      `it was encrypted with key ${sealed.keyId}, which this server does not have (check FLUXBASE_ENCRYPTION_KEY)`,
    );
  }
  if (sealed.nonce.length !== NONCE_BYTES || sealed.ciphertext.length < TAG_BYTES) {
    throw new SecretDecryptionError(scope, sealed.keyId, "the stored value is malformed");
  }
  const split = sealed.ciphertext.length - TAG_BYTES;
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad(scope));
  decipher.setAuthTag(sealed.ciphertext.subarray(split));
  try {
    return Buffer.concat([decipher.update(sealed.ciphertext.subarray(0, split)), decipher.final()]).toString(
      "utf8",
    );
  } catch {
    throw new SecretDecryptionError(
      scope,
      sealed.keyId,
      "authentication failed (the stored value was altered or belongs to another secret)",
    );
  }
}
