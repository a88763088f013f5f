/**
 * `client.realtime`: one WebSocket (Supabase Realtime's `RealtimeClient`, Phoenix protocol vsn 1.0.0)
 * to `${url}/realtime/v1/websocket?apikey=<key>&vsn=1.0.0`, opened on the first subscribe and closed
 * when the last channel leaves. realtime-js reconnects with back-off and re-joins every channel; the
 * access token follows `client.auth` (sent in each join and pushed to joined channels on change).
 */
import { RealtimeClient, type WebSocketLikeConstructor } from "@supabase/realtime-js";
import type { FluxbaseAuth } from "../auth/FluxbaseAuth.ts";
import { FluxbaseError } from "../errors.ts";
import { type ChannelOwner, FluxbaseChannel } from "./FluxbaseChannel.ts";
import { parseTableTopic } from "./parseTableTopic.ts";
import { globalWebSocket, guardTransport, importWsTransport } from "./resolveTransport.ts";
import type { FluxbaseRealtimeOptions, WebSocketTransport } from "./types.ts";

/** Options of one channel (Supabase Realtime's channel config). */
export interface FluxbaseChannelOptions {
  config?: {
    /** Broadcast settings: `self` receives your own messages, `ack` waits for the server. */
    broadcast?: { self?: boolean; ack?: boolean };
    /** Presence settings: `key` identifies this client. */
    presence?: { key?: string };
    /** Ask the server to authorize the channel as private. @default false */
    private?: boolean;
  };
}

/** `client.realtime`: live changes over one WebSocket. */
export class FluxbaseRealtime implements ChannelOwner {
  readonly #endpoint: string;
  readonly #auth: FluxbaseAuth;
  readonly #options: FluxbaseRealtimeOptions;
  readonly #defaultSchema: string;
  readonly #channels = new Map<string, FluxbaseChannel>();
  #client: RealtimeClient | null = null;
  #transport: WebSocketTransport | null;
  #loading: Promise<FluxbaseError | null> | null = null;

  /** @internal Created by `createClient`. */
  constructor(url: string, auth: FluxbaseAuth, options: FluxbaseRealtimeOptions, defaultSchema: string) {
    this.#endpoint = `${url.replace(/^http/i, "ws")}/realtime/v1`;
    this.#auth = auth;
    this.#options = options;
    this.#defaultSchema = defaultSchema;
    const transport = options.transport ?? globalWebSocket();
    this.#transport = transport ? guardTransport(transport) : null;
    auth.onTokenChange((token) => {
      this.#client?.setAuth(token).catch(() => {});
    });
  }

  /**
   * A channel by name (the same name returns the same channel until it is unsubscribed).
   * A name `table:<schema>.<table>` (or `table:<table>` for the default schema) lets
   * `.on("INSERT" | "UPDATE" | "DELETE" | "*", cb)` listen to that table.
   *
   * @example
   * client.realtime.channel("table:jobs.queue").on("UPDATE", (p) => console.log(p.new)).subscribe();
   */
  channel(name: string, options: FluxbaseChannelOptions = {}): FluxbaseChannel {
    const client = this.#realtimeClient();
    const existing = this.#channels.get(name);
    if (existing && client.getChannels().includes(existing.inner)) return existing;
    const inner = client.channel(name, { config: { ...options.config } });
    const channel = new FluxbaseChannel(name, inner, this, parseTableTopic(name, this.#defaultSchema));
    this.#channels.set(name, channel);
    return channel;
  }

  /** The channels that have not been unsubscribed. */
  getChannels(): FluxbaseChannel[] {
    const live = this.#client?.getChannels() ?? [];
    return [...this.#channels.values()].filter((channel) => live.includes(channel.inner));
  }

  /** Unsubscribes one channel (same as `channel.unsubscribe()`). */
  removeChannel(channel: FluxbaseChannel): Promise<"ok" | "timed out" | "error"> {
    return channel.unsubscribe();
  }

  /** Unsubscribes every channel and closes the socket. */
  async removeAllChannels(): Promise<("ok" | "timed out" | "error")[]> {
    const results = await Promise.all(this.getChannels().map((channel) => channel.unsubscribe()));
    this.disconnect();
    return results;
  }

  /** Closes the socket now; channels re-join on their next `subscribe()`. */
  disconnect(): void {
    this.#client?.disconnect();
  }

  /** Whether the WebSocket is open. */
  isConnected(): boolean {
    return this.#client?.isConnected() ?? false;
  }

  /** @internal Resolves the WebSocket constructor, importing `ws` on runtimes without a global one. */
  prepare(): Promise<FluxbaseError | null> | null {
    if (this.#transport) return null;
    this.#loading ??= importWsTransport().then((result) => {
      if (result instanceof FluxbaseError) {
        this.#loading = null;
        return result;
      }
      this.#transport = guardTransport(result);
      if (this.#client) this.#client.transport = this.#transport as WebSocketLikeConstructor;
      return null;
    });
    return this.#loading;
  }

  /** @internal Forgets a channel that left; closes the socket when none is left. */
  released(channel: FluxbaseChannel): void {
    if (this.#channels.get(channel.name) === channel) this.#channels.delete(channel.name);
    if (this.#client && this.#client.getChannels().length === 0) this.#client.disconnect();
  }

  #realtimeClient(): RealtimeClient {
    if (this.#client) return this.#client;
    const { timeout, heartbeatIntervalMs, reconnectAfterMs, logger } = this.#options;
    this.#client = new RealtimeClient(this.#endpoint, {
      params: { apikey: this.#auth.getApiKey() },
      ...(this.#transport ? { transport: this.#transport as WebSocketLikeConstructor } : {}),
      ...(timeout !== undefined ? { timeout } : {}),
      ...(heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs } : {}),
      ...(reconnectAfterMs ? { reconnectAfterMs } : {}),
      ...(logger ? { logger } : {}),
    });
    // Set synchronously so the very first join already carries the current access token.
    this.#client.setAuth(this.#auth.getAccessToken()).catch(() => {});
    return this.#client;
  }
}
