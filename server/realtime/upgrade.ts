/**
 * The HTTP upgrade to the realtime WebSocket: only on the realtime path, only with a valid token (the
 * `apikey` query parameter realtime-js sends, else the `apikey` header, else `Authorization: Bearer`),
 * only for a protocol vsn we speak, and only from an allowed page origin (a browser WebSocket has no CORS
 * preflight, so the `Origin` it sends is checked here). Refusals are plain HTTP responses before any frame flows.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Identity } from "../auth/identity.ts";
import type { TokenVerifier } from "../auth/verifyToken.ts";
import { HttpError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { parseVsn, type Vsn } from "./protocol.ts";
import { isRefusal, type Refusal, type Ticket } from "./quota.ts";

export interface UpgradeDeps {
  path: string;
  verifyToken: TokenVerifier;
  /** Whether a browser page on this origin may connect (requests without `Origin` are not from a page). */
  allowOrigin(origin: string): boolean;
  /** False once the server is closing. */
  accepting(): boolean;
  /** Other upgrade listeners exist: leave foreign paths to them instead of answering 404. */
  othersListen(): boolean;
  /** The caller's share of the per-user and per-address limits, or why they are full. */
  admit(identity: Identity, ip: string): Ticket | Refusal;
  accept(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    identity: Identity,
    vsn: Vsn,
    ticket: Ticket,
  ): void;
  onRefused(status: number): void;
  logger: Logger;
}

const reasons: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  429: "Too Many Requests",
  503: "Service Unavailable",
};

export function refuse(socket: Duplex, status: number, code: string, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: message, code });
  // Node's HTTP server leaves an upgraded socket without an error listener; a reset peer must not crash us.
  socket.on("error", () => {});
  socket.once("finish", () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${reasons[status] ?? "Error"}\r\nConnection: close\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function tokenOf(request: IncomingMessage, url: URL): string | undefined {
  const fromQuery = url.searchParams.get("apikey")?.trim();
  if (fromQuery) return fromQuery;
  const header = request.headers.apikey;
  const fromHeader = (Array.isArray(header) ? header[0] : header)?.trim();
  if (fromHeader) return fromHeader;
  return /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "")?.[1];
}

export function createUpgradeHandler(deps: UpgradeDeps) {
  return (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    let url: URL;
    try {
      url = new URL(request.url ?? "/", "http://localhost");
    } catch {
      url = new URL("http://localhost/");
    }
    if (url.pathname !== deps.path && url.pathname !== `${deps.path}/`) {
      if (!deps.othersListen()) refuse(socket, 404, "NOT_FOUND", "No WebSocket endpoint here");
      return;
    }
    const refused = (status: number, code: string, message: string) => {
      deps.onRefused(status);
      refuse(socket, status, code, message);
    };
    if (!deps.accepting()) {
      refused(503, "SHUTTING_DOWN", "The server is shutting down");
      return;
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !deps.allowOrigin(origin)) {
      refused(403, "ORIGIN_NOT_ALLOWED", `Origin ${origin} is not in FLUXBASE_CORS_ORIGINS`);
      return;
    }
    const vsn = parseVsn(url.searchParams.get("vsn"));
    if (!vsn) {
      refused(400, "UNSUPPORTED_VSN", "vsn must be 1.0.0 or 2.0.0");
      return;
    }
    const token = tokenOf(request, url);
    if (!token) {
      refused(401, "TOKEN_MISSING", "Send a token in the apikey query parameter or header");
      return;
    }
    // The peer may vanish while the token is checked; its socket error must not go unhandled.
    const ignore = () => {};
    socket.on("error", ignore);
    deps.verifyToken(token).then(
      (identity) => {
        if (socket.destroyed) return;
        if (!deps.accepting()) return refused(503, "SHUTTING_DOWN", "The server is shutting down");
        const admitted = deps.admit(identity, request.socket.remoteAddress ?? "unknown");
        if (isRefusal(admitted)) return refused(429, admitted.code, admitted.message);
        socket.off("error", ignore);
        try {
          deps.accept(request, socket, head, identity, vsn, admitted);
        } catch (error) {
          admitted.release();
          deps.logger.error("accepting a realtime connection failed", { error });
          socket.destroy();
        }
      },
      (error: unknown) => {
        const known = error instanceof HttpError;
        if (!known) deps.logger.error("verifying a realtime token failed", { error });
        refused(401, known ? error.code : "INVALID_TOKEN", known ? error.message : "The token is not valid");
      },
    );
  };
}
