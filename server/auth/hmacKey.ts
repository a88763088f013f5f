/**
 * The HS256 key of a secret as a CryptoKey, imported once per secret. jose signs and verifies with
 * WebCrypto and uses a CryptoKey as it is; any other form it imports again on every call (a secret
 * KeyObject is exported to bytes and the bytes imported), which job runs paid twice per run and
 * every request once per new token.
 */
const keys = new Map<string, Promise<CryptoKey>>();

export function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      Buffer.from(secret, "utf8"),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    keys.set(secret, key);
  }
  return key;
}
