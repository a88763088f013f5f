/**
 * Finds a WebSocket constructor without importing anything Node-only at the top level.
 *
 * Browsers, Deno and Node 22+ have `globalThis.WebSocket`. Node 20 has none, and realtime-js 2.80
 * then refuses to connect ("Node.js 20 detected without native WebSocket support"). For that case the
 * SDK loads the `ws` package with a dynamic import whose specifier is a variable, so bundlers
 * (esbuild, webpack, Vite) leave it alone and browser bundles never contain `ws`.
 */
import { FluxbaseError } from "../errors.ts";
import type { WebSocketTransport } from "./types.ts";

/** The package name lives in a variable so bundlers do not try to resolve it. */
const WS_PACKAGE = "ws";

/**
 * Node's `ws` emits an `error` event when a socket still connecting is closed, and realtime-js has
 * removed its handlers by then; an EventEmitter `error` without a listener is an uncaught exception
 * (a crashed process). This subclass keeps one no-op listener so such late errors are dropped;
 * realtime-js still sees every error while its own `onerror` is set. Browser sockets pass unchanged.
 */
export function guardTransport(transport: WebSocketTransport): WebSocketTransport {
  if (typeof (transport.prototype as { on?: unknown } | undefined)?.on !== "function") return transport;
  return class GuardedWebSocket extends transport {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      (this as unknown as { on(event: string, listener: () => void): void }).on("error", () => {});
    }
  };
}

/** The global WebSocket constructor, when the runtime has one. */
export function globalWebSocket(): WebSocketTransport | undefined {
  const candidate = (globalThis as { WebSocket?: unknown }).WebSocket;
  return typeof candidate === "function" ? (candidate as WebSocketTransport) : undefined;
}

/** Loads `WebSocket` from the `ws` package, or explains how to provide a transport. */
export async function importWsTransport(): Promise<WebSocketTransport | FluxbaseError> {
  try {
    const mod = (await import(/* webpackIgnore: true */ /* @vite-ignore */ WS_PACKAGE)) as {
      default?: unknown;
      WebSocket?: unknown;
    };
    const ctor = typeof mod.default === "function" ? mod.default : mod.WebSocket;
    if (typeof ctor === "function") return ctor as WebSocketTransport;
    return transportError(new Error(`the "${WS_PACKAGE}" module has no WebSocket export`));
  } catch (cause) {
    return transportError(cause);
  }
}

function transportError(cause: unknown): FluxbaseError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new FluxbaseError(
    "This runtime has no global WebSocket and the `ws` package could not be loaded " +
      `(${reason}). Install it (npm install ws) or pass createClient(url, key, { realtime: { transport } }).`,
    "REALTIME_UNAVAILABLE",
    0,
    {},
    { cause },
  );
}
