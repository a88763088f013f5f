/**
 * The RSA key pair that signs webhook deliveries: FLUXBASE_WEBHOOK_PRIVATE_KEY, else generated once
 * into the data dir. Receivers verify with the public key (GET /api/v1/webhooks/public-key), so no
 * shared secret has to travel to them.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { readOrCreate } from "../dataDir.ts";
import { ConfigError } from "../errors.ts";

export interface WebhookKeys {
  /** SPKI PEM, what receivers verify with. */
  publicKeyPem: string;
  /** Base64 RSA-SHA256 signature over `<timestamp>.<body>`. */
  sign(timestamp: string, body: string): string;
}

export function webhookKeys(configured: string, dataDir: string): WebhookKeys {
  const pem = configured || generatedKey(dataDir);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    throw new ConfigError(
      `Invalid FLUXBASE_WEBHOOK_PRIVATE_KEY: expected an RSA private key in PEM (${(error as Error).message})`,
    );
  }
  if (privateKey.asymmetricKeyType !== "rsa") {
    throw new ConfigError(
      `Invalid FLUXBASE_WEBHOOK_PRIVATE_KEY: expected an RSA key, got ${privateKey.asymmetricKeyType}`,
    );
  }
  const publicKeyPem = createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString();
  return {
    publicKeyPem,
    sign: (timestamp, body) =>
      sign("sha256", Buffer.from(`${timestamp}.${body}`), privateKey).toString("base64"),
  };
}

function generatedKey(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  return readOrCreate(path.join(dataDir, "webhook_private_key.pem"), () =>
    generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString(),
  );
}
