/**
 * A tiny real server on 127.0.0.1 for SDK unit tests: records every HTTP request and answers with a
 * handler, and (optionally) speaks just enough Phoenix over WebSocket at /realtime/v1/websocket to
 * test the realtime client: join replies with binding ids, heartbeats, leaves, and pushed changes.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
}

export interface Reply {
  status?: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

export interface PhoenixMessage {
  topic: string;
  event: string;
  payload: any;
  ref: string | null;
  join_ref?: string | null;
}

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  /** Every Phoenix message clients sent, in order. */
  messages: PhoenixMessage[];
  /** The URL (path and query) of each WebSocket connection. */
  connections: URL[];
  sockets: Set<WebSocket>;
  /** Sends a postgres_changes event to every socket joined to `topic`. */
  pushChange(topic: string, data: Record<string, unknown>): void;
  /** Resolves once a message matching `match` arrived (already arrived ones count). */
  waitForMessage(match: (message: PhoenixMessage) => boolean, timeoutMs?: number): Promise<PhoenixMessage>;
  close(): Promise<void>;
}

export async function startFakeServer(
  handler: (request: RecordedRequest) => Reply | Promise<Reply> = () => ({ json: {} }),
  /** `realtime: false` refuses WebSockets; `"hang"` accepts the TCP connection and never answers the upgrade. */
  options: { realtime?: boolean | "hang" } = {},
): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const messages: PhoenixMessage[] = [];
  const connections: URL[] = [];
  const sockets = new Set<WebSocket>();
  const joined = new Map<WebSocket, Map<string, number[]>>();
  const waiters: { match: (m: PhoenixMessage) => boolean; resolve: (m: PhoenixMessage) => void }[] = [];

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://localhost");
    let json: unknown;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const recorded = {
      method: req.method ?? "",
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      json,
    };
    requests.push(recorded);
    const reply = await handler(recorded);
    const text = reply.text ?? (reply.json === undefined ? "" : JSON.stringify(reply.json));
    const contentType = reply.text !== undefined ? "text/html" : "application/json";
    res.writeHead(reply.status ?? 200, { "content-type": contentType, ...reply.headers });
    res.end(text);
  });

  const wss = new WebSocketServer({ noServer: true });
  const hanging: { destroy(): void }[] = [];
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (options.realtime === "hang") return void hanging.push(socket);
    if (options.realtime === false || url.pathname !== "/realtime/v1/websocket") return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      connections.push(url);
      sockets.add(ws);
      joined.set(ws, new Map());
      ws.on("close", () => sockets.delete(ws));
      ws.on("message", (raw) => onMessage(ws, JSON.parse(String(raw)) as PhoenixMessage));
    });
  });

  function send(ws: WebSocket, message: PhoenixMessage) {
    ws.send(JSON.stringify(message));
  }

  function onMessage(ws: WebSocket, message: PhoenixMessage) {
    messages.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.match(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
    const reply = (response: unknown) =>
      send(ws, {
        topic: message.topic,
        event: "phx_reply",
        payload: { status: "ok", response },
        ref: message.ref,
      });
    if (message.event === "phx_join") {
      const bindings: any[] = message.payload?.config?.postgres_changes ?? [];
      const ids = bindings.map((_, i) => 1000 + i);
      joined.get(ws)?.set(message.topic, ids);
      reply({ postgres_changes: bindings.map((binding, i) => ({ ...binding, id: ids[i] })) });
    } else if (message.event === "phx_leave") {
      joined.get(ws)?.delete(message.topic);
      reply({});
    } else {
      reply({});
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    messages,
    connections,
    sockets,
    pushChange(topic, data) {
      for (const [ws, topics] of joined) {
        const ids = topics.get(topic);
        if (!ids || ws.readyState !== ws.OPEN) continue;
        send(ws, { topic, event: "postgres_changes", payload: { ids, data }, ref: null });
      }
    },
    waitForMessage(match, timeoutMs = 5000) {
      const found = messages.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no matching Phoenix message arrived")), timeoutMs);
        waiters.push({
          match,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      for (const socket of hanging) socket.destroy();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves when `check` returns true, polling every 10 ms. */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
