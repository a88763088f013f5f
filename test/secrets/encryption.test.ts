/** AES-256-GCM sealing of secret values, the key's formats, and where the key comes from. */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createFluxbase } from "../../server/app.ts";
import { resolveConfig } from "../../server/config/resolveConfig.ts";
import { ConfigError } from "../../server/errors.ts";
import { openSecret, SecretDecryptionError, sealSecret } from "../../server/secrets/cipher.ts";
import { keyringFor, parseEncryptionKey } from "../../server/secrets/encryptionKey.ts";
import { createKeyring } from "../../server/secrets/keyring.ts";

const keyring = createKeyring(randomBytes(32));
const scope = { name: "stripe_api_key", namespace: null, userId: null };
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "fluxbase-key-"));
  dirs.push(dir);
  return dir;
};

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("sealing and opening", () => {
  it("round-trips any text, with a fresh nonce each time and no plaintext in the ciphertext", () => {
    for (const value of ["sk_live_123", "ünïcödé ✓ 🔑", "x".repeat(65_536), "line1\nline2"]) {
      const a = sealSecret(keyring, scope, value);
      const b = sealSecret(keyring, scope, value);
      expect(openSecret(keyring, scope, a)).toBe(value);
      expect(a.nonce).toHaveLength(12);
      expect(a.nonce.equals(b.nonce)).toBe(false);
      expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
      expect(a.ciphertext).toHaveLength(Buffer.byteLength(value) + 16);
      expect(a.keyId).toBe(keyring.current.id);
      if (value.length < 1000) expect(a.ciphertext.includes(Buffer.from(value))).toBe(false);
    }
  });

  it("detects tampering with the ciphertext, the tag or the nonce (GCM authentication)", () => {
    const sealed = sealSecret(keyring, scope, "sk_live_123");
    const flip = (buf: Buffer, at: number) => {
      const copy = Buffer.from(buf);
      copy[at]! ^= 0x01;
      return copy;
    };
    const attempts = [
      { ...sealed, ciphertext: flip(sealed.ciphertext, 0) },
      { ...sealed, ciphertext: flip(sealed.ciphertext, sealed.ciphertext.length - 1) },
      { ...sealed, nonce: flip(sealed.nonce, 5) },
      { ...sealed, ciphertext: sealed.ciphertext.subarray(0, sealed.ciphertext.length - 1) },
    ];
    for (const tampered of attempts) {
      expect(() => openSecret(keyring, scope, tampered)).toThrow(SecretDecryptionError);
      expect(() => openSecret(keyring, scope, tampered)).toThrow(
        'Secret "stripe_api_key" could not be decrypted: authentication failed',
      );
    }
  });

  it("binds a ciphertext to its scope: copied onto another name, namespace or user it does not open", () => {
    const sealed = sealSecret(keyring, scope, "sk_live_123");
    for (const other of [
      { ...scope, name: "other" },
      { ...scope, namespace: "billing" },
      { ...scope, userId: "11111111-1111-1111-1111-111111111111" },
    ]) {
      expect(() => openSecret(keyring, other, sealed)).toThrow(/authentication failed/);
    }
    const user = { ...scope, userId: "AAAAAAAA-1111-1111-1111-111111111111" };
    const sealedForUser = sealSecret(keyring, user, "v");
    expect(openSecret(keyring, { ...user, userId: user.userId.toLowerCase() }, sealedForUser)).toBe("v");
  });

  it("names the key when a value was sealed with a key this server does not have; old keys still open", () => {
    const oldKey = randomBytes(32);
    const sealed = sealSecret(createKeyring(oldKey), scope, "sk_live_123");
    expect(() => openSecret(keyring, scope, sealed)).toThrow(
      new RegExp(`encrypted with key ${sealed.keyId}, which this server does not have`),
    );
    const rotated = createKeyring(randomBytes(32), [oldKey]);
    expect(openSecret(rotated, scope, sealed)).toBe("sk_live_123");
    expect(sealSecret(rotated, scope, "new").keyId).toBe(rotated.current.id);
    expect(rotated.current.id).not.toBe(sealed.keyId);
  });

  it("fails authentication when the key under a known id is the wrong one", () => {
    const sealed = sealSecret(keyring, scope, "sk_live_123");
    const impostor = { current: keyring.current, get: () => randomBytes(32) };
    expect(() => openSecret(impostor, scope, sealed)).toThrow(/authentication failed/);
  });
});

describe("the encryption key", () => {
  const key = randomBytes(32);

  it("accepts 32 bytes as hex, base64 and base64url, with or without padding", () => {
    for (const text of [
      key.toString("hex"),
      key.toString("hex").toUpperCase(),
      key.toString("base64"),
      key.toString("base64").replace(/=+$/, ""),
      key.toString("base64url"),
      ` ${key.toString("base64")}\n`,
    ]) {
      expect(parseEncryptionKey(text, "FLUXBASE_ENCRYPTION_KEY").equals(key)).toBe(true);
    }
  });

  it("rejects anything else with one line that says what was expected and never echoes the value", () => {
    const cases = [
      ["short", /got 5 characters that are neither/],
      [randomBytes(16).toString("base64"), /got base64 of 16 bytes/],
      [randomBytes(48).toString("hex"), /got base64 of 72 bytes/],
      ["not a key at all, just words", /neither/],
      ["", /neither/],
    ] as const;
    for (const [text, message] of cases) {
      let error: unknown;
      try {
        parseEncryptionKey(text, "FLUXBASE_ENCRYPTION_KEY");
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const line = (error as Error).message;
      expect(line).toMatch(/^Invalid FLUXBASE_ENCRYPTION_KEY: expected 32 bytes as 64 hex digits or base64/);
      expect(line).toMatch(message);
      expect(line).not.toContain("\n");
      if (text.length > 8) expect(line).not.toContain(text);
    }
  });

  it("is generated once into the data dir (mode 0600) when unset, and reused", () => {
    const dataDir = tempDir();
    const config = resolveConfig({ env: {}, options: { dataDir } });
    const first = keyringFor(config);
    const file = path.join(dataDir, "encryption_key");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(parseEncryptionKey(readFileSync(file, "utf8"), file)).toHaveLength(32);
    const again = keyringFor(resolveConfig({ env: {}, options: { dataDir } }));
    expect(again.current.id).toBe(first.current.id);
    expect(again.current.key.equals(first.current.key)).toBe(true);
  });

  it("comes from FLUXBASE_ENCRYPTION_KEY when set, and then no file is written", () => {
    const dataDir = tempDir();
    const config = resolveConfig({
      env: { FLUXBASE_ENCRYPTION_KEY: key.toString("hex"), FLUXBASE_DATA_DIR: dataDir },
    });
    expect(keyringFor(config).current.key.equals(key)).toBe(true);
    expect(() => statSync(path.join(dataDir, "encryption_key"))).toThrow();
  });

  it("stops start-up with that one line when FLUXBASE_ENCRYPTION_KEY is invalid", async () => {
    const fluxbase = createFluxbase({
      env: { FLUXBASE_ENCRYPTION_KEY: "too-short", FLUXBASE_DATA_DIR: tempDir() },
      options: { databaseUrl: "postgres://127.0.0.1:1/never-reached", jobs: { enabled: false } },
    });
    await expect(fluxbase.start()).rejects.toThrow(
      /^Invalid FLUXBASE_ENCRYPTION_KEY: expected 32 bytes as 64 hex digits or base64/,
    );
    await fluxbase.stop();
  });
});
