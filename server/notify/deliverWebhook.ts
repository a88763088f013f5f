/**
 * One webhook attempt: a signed POST with a time limit. Redirects are not followed (a 3xx is a
 * failed attempt), and the connection's own DNS lookup is checked against the target rules, so the
 * address that was checked is the address that is dialled.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { refusedAddress } from "../net/addressRules.ts";

export interface WebhookAttempt {
  statusCode?: number;
  error?: string;
  durationMs: number;
}

export interface DeliverWebhookInput {
  url: string;
  id: string;
  body: string;
  /** Base64 RSA-SHA256 over `<timestamp>.<body>`. */
  sign(timestamp: string, body: string): string;
  timeoutMs: number;
  allowPrivate: boolean;
}

export function deliverWebhook(input: DeliverWebhookInput): Promise<WebhookAttempt> {
  const started = performance.now();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const url = new URL(input.url);
  const transport = url.protocol === "https:" ? https : http;
  const elapsed = () => Math.round(performance.now() - started);
  // Node dials an IP literal without a lookup, so the rule is applied to it here.
  const literal = url.hostname.replace(/^\[|\]$/g, "");
  const refused = isIP(literal) ? refusedAddress(literal, input.allowPrivate) : undefined;
  if (refused) return Promise.resolve({ error: `refused: ${refused}`, durationMs: elapsed() });
  return new Promise((resolve) => {
    let settled = false;
    const finish = (attempt: Omit<WebhookAttempt, "durationMs">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...attempt, durationMs: elapsed() });
    };
    const request = transport.request(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(input.body),
          "user-agent": "Fluxbase-Webhooks/1",
          "x-webhook-id": input.id,
          "x-webhook-timestamp": timestamp,
          "x-webhook-signature": input.sign(timestamp, input.body),
        },
        lookup: checkedLookup(input.allowPrivate),
        agent: false,
      },
      (response) => {
        const statusCode = response.statusCode ?? 0;
        // The body is drained and dropped: only the status matters, and a slow body must not hold us.
        response.resume();
        response.on("error", () => {});
        if (statusCode >= 200 && statusCode < 300) finish({ statusCode });
        else finish({ statusCode, error: `the receiver answered ${statusCode}` });
        request.destroy();
      },
    );
    const timer = setTimeout(() => {
      finish({ error: `no answer within ${input.timeoutMs} ms` });
      request.destroy();
    }, input.timeoutMs);
    request.on("error", (error) => finish({ error: error.message }));
    request.end(input.body);
  });
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

function checkedLookup(allowPrivate: boolean) {
  return (hostname: string, options: object, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, "");
      for (const entry of addresses) {
        const why = refusedAddress(entry.address, allowPrivate);
        if (why)
          return callback(Object.assign(new Error(`refused: ${why}`), { code: "EREFUSED_TARGET" }), "");
      }
      const wantsAll = (options as { all?: boolean }).all;
      if (wantsAll) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}
