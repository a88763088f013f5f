/**
 * The keys secrets are sealed with. Each key is known by an id derived from the key itself, stored
 * beside every ciphertext, so a later rotation can keep old keys for reading while new writes use
 * the current one.
 */
import { createHash } from "node:crypto";

export interface Keyring {
  /** The key new values are sealed with. */
  readonly current: { id: string; key: Buffer };
  /** Every key that can open a value, by id (the current one included). */
  get(id: string): Buffer | undefined;
}

/** 32 bytes: AES-256. */
export const KEY_BYTES = 32;

/** A short fingerprint of a key: says which key sealed a value without revealing anything about it. */
export function keyId(key: Buffer): string {
  return createHash("sha256").update("fluxbase:secrets:key-id:").update(key).digest("hex").slice(0, 16);
}

export function createKeyring(current: Buffer, previous: Buffer[] = []): Keyring {
  for (const key of [current, ...previous]) {
    if (key.length !== KEY_BYTES)
      throw new Error(`encryption keys are ${KEY_BYTES} bytes, got ${key.length}`);
  }
  const byId = new Map<string, Buffer>();
  for (const key of [...previous, current]) byId.set(keyId(key), key);
  const id = keyId(current);
  return Object.freeze({ current: { id, key: current }, get: (wanted: string) => byId.get(wanted) });
}
