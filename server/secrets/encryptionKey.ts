/**
 * Where the secrets key comes from: FLUXBASE_ENCRYPTION_KEY (32 bytes as hex or base64), else a key
 * generated once into `<dataDir>/encryption_key`. Resolved and validated once per config at start-up.
 */
import path from "node:path";
import { ensureSecret } from "../auth/jwtSecret.ts";
import type { FluxbaseConfig } from "../config/types.ts";
import { ConfigError } from "../errors.ts";
import { createKeyring, KEY_BYTES, type Keyring } from "./keyring.ts";

export const ENCRYPTION_KEY_FILE = "encryption_key";

/** Decodes a key given as 64 hex digits, or base64 / base64url (padding optional) of 32 bytes. */
export function parseEncryptionKey(text: string, source: string): Buffer {
  const value = text.trim();
  const expected = `expected ${KEY_BYTES} bytes as 64 hex digits or base64 (e.g. from \`openssl rand -base64 32\`)`;
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, "hex");
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    const key = Buffer.from(value, "base64");
    const canonical = value.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/");
    if (key.toString("base64").replace(/=+$/, "") === canonical) {
      if (key.length === KEY_BYTES) return key;
      throw new ConfigError(`Invalid ${source}: ${expected}, got base64 of ${key.length} bytes`);
    }
  }
  // The value itself is never echoed: it may be a real key with a typo in it.
  throw new ConfigError(`Invalid ${source}: ${expected}, got ${value.length} characters that are neither`);
}

const rings = new WeakMap<FluxbaseConfig, Keyring>();

/** The keyring for a resolved config; the first call generates the key file when nothing is configured. */
export function keyringFor(config: FluxbaseConfig): Keyring {
  let ring = rings.get(config);
  if (!ring) {
    ring = createKeyring(resolveEncryptionKey(config));
    rings.set(config, ring);
  }
  return ring;
}

function resolveEncryptionKey(config: FluxbaseConfig): Buffer {
  if (config.encryptionKey) return parseEncryptionKey(config.encryptionKey, "FLUXBASE_ENCRYPTION_KEY");
  const stored = ensureSecret("", config.dataDir, ENCRYPTION_KEY_FILE, KEY_BYTES);
  return parseEncryptionKey(stored, path.join(config.dataDir, ENCRYPTION_KEY_FILE));
}
