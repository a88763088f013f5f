import { verify } from "node:crypto";

/** True when Fluxbase signed this delivery; `publicKey` is the PEM of GET /api/v1/webhooks/public-key. */
export function verifyWebhook(publicKey, headers, rawBody) {
  const signed = Buffer.from(`${headers["x-webhook-timestamp"]}.${rawBody}`);
  return verify("sha256", signed, publicKey, Buffer.from(headers["x-webhook-signature"], "base64"));
}
