/** A real HTTP receiver on loopback that records each delivery and verifies its signature. */
import { verify } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Delivery {
  path: string;
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  json: { id: string; event: string; created_at: string; job: Record<string, any> };
  /** Checked with the public key at arrival. */
  verified: boolean;
}

/** Decides the answer to each request; return undefined to never answer. */
export type Responder = (delivery: Delivery, res: ServerResponse) => number | undefined;

export interface Receiver {
  url: string;
  deliveries: Delivery[];
  setPublicKey(pem: string): void;
  respond(responder: Responder): void;
  waitFor(count: number, where?: (d: Delivery) => boolean, timeoutMs?: number): Promise<Delivery[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  let publicKey = "";
  let responder: Responder = () => 200;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8");
    });
    req.on("end", () => {
      const header = (name: string) => String(req.headers[name] ?? "");
      const delivery: Delivery = {
        path: req.url ?? "/",
        id: header("x-webhook-id"),
        timestamp: header("x-webhook-timestamp"),
        signature: header("x-webhook-signature"),
        body,
        json: JSON.parse(body),
        verified:
          publicKey !== "" &&
          verify(
            "sha256",
            Buffer.from(`${header("x-webhook-timestamp")}.${body}`),
            publicKey,
            Buffer.from(header("x-webhook-signature"), "base64"),
          ),
      };
      deliveries.push(delivery);
      const status = responder(delivery, res);
      if (status !== undefined) res.writeHead(status).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    deliveries,
    setPublicKey(pem) {
      publicKey = pem;
    },
    respond(next) {
      responder = next;
    },
    async waitFor(count, where = () => true, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const matching = deliveries.filter(where);
        if (matching.length >= count) return matching;
        if (Date.now() > deadline)
          throw new Error(
            `expected ${count} deliveries, got ${matching.length}: ${JSON.stringify(deliveries.map((d) => d.json.event))}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
