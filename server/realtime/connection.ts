/**
 * One WebSocket: decodes Phoenix frames and answers them (heartbeat, phx_join, phx_leave,
 * access_token, minimal broadcast/presence), owns the socket's channels, and sends with a bound on
 * unsent bytes (a slow consumer is cut off rather than buffered without limit). Messages are handled
 * one at a time in arrival order; heartbeats are answered at once even while a join is pending.
 */
import WebSocket from "ws";
import type { Identity } from "../auth/identity.ts";
import type { TokenVerifier } from "../auth/verifyToken.ts";
import type { Logger } from "../log.ts";
import { parseJoin } from "./bindings.ts";
import { Channel, type ChannelOwner } from "./channel.ts";
import type { ColumnCatalog } from "./columns.ts";
import { isExpired } from "./identityKey.ts";
import type { ResolvedRealtimeOptions } from "./options.ts";
import {
  decodeFrame,
  encodeMessage,
  encodeRaw,
  encodeReply,
  type PhoenixMessage,
  type Vsn,
} from "./protocol.ts";
import type { ChannelRegistry } from "./registry.ts";
import type { RealtimeCounters } from "./stats.ts";

export interface ConnectionDeps {
  vsn: Vsn;
  /** From the upgrade's apikey: what channels joined without an access_token act as. */
  identity: Identity;
  options: ResolvedRealtimeOptions;
  verifyToken: TokenVerifier;
  registry: ChannelRegistry;
  columns: () => ColumnCatalog;
  nextBindingId: () => number;
  /** True once LISTEN is active (and the column catalog loaded), false if not within the timeout. */
  whenListening(timeoutMs: number): Promise<boolean>;
  /** Takes one join from the owner's per-second rate; false: refuse the join. */
  allowJoin(): boolean;
  counters: RealtimeCounters;
  logger: Logger;
  onClosed(connection: Connection): void;
}

type Target = { joinRef: string | null; ref: string | null; topic: string };
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export class Connection implements ChannelOwner {
  /** Cleared by each ping sweep, set by a pong or any message. */
  alive = true;
  readonly channels = new Map<string, Channel>();
  #disposed = false;
  #queue: Promise<void> = Promise.resolve();
  #pending = 0;

  constructor(
    readonly ws: WebSocket,
    private readonly deps: ConnectionDeps,
  ) {
    ws.on("message", (data, isBinary) => this.#onFrame(data, isBinary));
    ws.on("pong", () => {
      this.alive = true;
    });
    ws.on("error", (error) => deps.logger.debug("socket error", { error }));
    ws.on("close", () => this.#dispose());
  }

  pushRaw(channel: Channel, event: string, payloadJson: string): void {
    this.#send(encodeRaw(this.deps.vsn, channel.joinRef, null, channel.topic, event, payloadJson));
  }

  /** True when the socket holds more unsent bytes than allowed; it is then cut off. */
  cutIfSlow(): boolean {
    if (this.ws.bufferedAmount <= this.deps.options.maxBufferedBytes) return false;
    this.deps.counters.slowConsumersCut++;
    this.deps.logger.warn("cutting off a slow consumer", { bufferedBytes: this.ws.bufferedAmount });
    this.terminate();
    return true;
  }

  #send(text: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(text);
    this.cutIfSlow();
  }

  #reply(to: Target, status: "ok" | "error", response: Record<string, unknown> = {}): void {
    if (to.ref === null && status === "ok") return; // nobody waits for it
    this.#send(encodeReply(this.deps.vsn, to, status, response));
  }

  #push(channel: Channel, event: string, payload: unknown, ref: string | null = null): void {
    const { joinRef, topic } = channel;
    this.#send(encodeMessage(this.deps.vsn, { joinRef, ref, topic, event, payload }));
  }

  #onFrame(data: WebSocket.RawData, isBinary: boolean): void {
    this.alive = true;
    const { counters } = this.deps;
    if (isBinary) {
      counters.badFrames++;
      this.ws.close(1003, "binary frames are not supported");
      return;
    }
    const decoded = decodeFrame(data.toString(), this.deps.vsn);
    if (!decoded.ok) {
      counters.badFrames++;
      if (decoded.topic === undefined) this.ws.close(1007, decoded.reason);
      else
        this.#reply(
          { joinRef: decoded.joinRef ?? null, ref: decoded.ref ?? null, topic: decoded.topic },
          "error",
          { reason: decoded.reason },
        );
      return;
    }
    const message = decoded.message;
    if (message.topic === "phoenix") {
      if (message.event === "heartbeat") this.#reply(message, "ok");
      else
        this.#reply(message, "error", {
          reason: `unknown event ${JSON.stringify(message.event)} on phoenix`,
        });
      return;
    }
    if (++this.#pending > this.deps.options.maxPendingMessages) {
      this.ws.close(1008, "too many messages waiting");
      return;
    }
    this.#queue = this.#queue
      .then(() => this.#handle(message))
      .catch((error: unknown) => {
        this.deps.logger.error("handling a realtime message failed", { event: message.event, error });
        this.#reply(message, "error", { reason: "internal error" });
      })
      .finally(() => {
        this.#pending--;
      });
  }

  async #handle(message: PhoenixMessage): Promise<void> {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (message.event === "phx_join") return this.#join(message);
    const channel = this.channels.get(message.topic);
    if (message.event === "phx_leave" || message.event === "phx_close") {
      if (channel) this.#removeChannel(channel);
      return this.#reply(message, "ok");
    }
    if (!channel) return this.#reply(message, "error", { reason: "unmatched topic" });
    switch (message.event) {
      case "access_token":
        return this.#refreshToken(channel, message);
      case "broadcast":
        // Relaying between sockets needs an authorization model this server does not have; a
        // channel that asked for its own messages (`self`) gets them back.
        if (channel.broadcastSelf && isObject(message.payload))
          this.#push(channel, "broadcast", message.payload);
        return this.#reply(message, "ok");
      case "presence":
        return this.#reply(message, "ok");
      default:
        return this.#reply(message, "error", { reason: `unknown event ${JSON.stringify(message.event)}` });
    }
  }

  async #join(message: PhoenixMessage): Promise<void> {
    const { options, logger } = this.deps;
    const to: Target = { joinRef: message.joinRef ?? message.ref, ref: message.ref, topic: message.topic };
    if (!this.deps.allowJoin()) {
      return this.#reply(to, "error", {
        reason: `too many joins: at most ${options.joinsPerSecond} per second for one user; try again shortly`,
      });
    }
    const existing = this.channels.get(message.topic);
    if (existing) this.#closeChannel(existing); // Phoenix: a second join of a topic replaces the first
    if (this.channels.size >= options.maxChannelsPerSocket) {
      return this.#reply(to, "error", {
        reason: `too many channels: at most ${options.maxChannelsPerSocket} per connection`,
      });
    }
    if (!(await this.deps.whenListening(options.joinTimeoutMs))) {
      return this.#reply(to, "error", { reason: "realtime is not connected to the database yet; try again" });
    }
    const { columns, nextBindingId } = this.deps;
    const parsed = parseJoin(message.payload, columns(), nextBindingId, options.maxBindingsPerChannel);
    if (!parsed.ok) return this.#reply(to, "error", { reason: parsed.reason });
    let identity = this.deps.identity;
    if (parsed.join.accessToken) {
      try {
        identity = await this.deps.verifyToken(parsed.join.accessToken);
      } catch (error) {
        return this.#reply(to, "error", { reason: `invalid access_token: ${(error as Error).message}` });
      }
    }
    if (isExpired(identity)) return this.#reply(to, "error", { reason: "the token has expired" });
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const channel = new Channel(
      this,
      message.topic,
      to.joinRef,
      parsed.join.bindings,
      parsed.join.broadcastSelf,
      identity,
      (expired) => this.#closeChannel(expired, "Token has expired"),
    );
    this.channels.set(channel.topic, channel);
    this.deps.registry.add(channel);
    logger.debug("joined", {
      topic: channel.topic,
      role: identity.role.claim,
      bindings: channel.bindings.length,
    });
    this.#reply(to, "ok", { postgres_changes: channel.bindings.map((binding) => binding.reply) });
    if (channel.bindings.length > 0) {
      this.#push(channel, "system", {
        extension: "postgres_changes",
        status: "ok",
        message: "Subscribed to PostgreSQL",
        channel: channel.subTopic,
      });
    }
  }

  async #refreshToken(channel: Channel, message: PhoenixMessage): Promise<void> {
    const token = isObject(message.payload) ? message.payload.access_token : undefined;
    if (token === null || token === undefined || token === "") {
      // Signed out: back to what the socket's apikey allows.
      channel.setIdentity(this.deps.identity);
      if (channel.isExpired()) return this.#closeChannel(channel, "Token has expired");
      return this.#reply(message, "ok");
    }
    if (typeof token !== "string")
      return this.#reply(message, "error", { reason: "access_token must be a string" });
    try {
      channel.setIdentity(await this.deps.verifyToken(token));
    } catch (error) {
      const reason = `Invalid token: ${(error as Error).message}`;
      this.#reply(message, "error", { reason });
      if (!channel.closed) this.#closeChannel(channel, reason);
      return;
    }
    this.#reply(message, "ok");
  }

  /** Server-side close: an optional system error, then phx_close (realtime-js then drops the channel). */
  #closeChannel(channel: Channel, error?: string): void {
    if (channel.closed) return;
    if (error)
      this.#push(channel, "system", {
        extension: "system",
        status: "error",
        message: error,
        channel: channel.subTopic,
      });
    this.#push(channel, "phx_close", {}, channel.joinRef);
    this.#removeChannel(channel);
  }

  #removeChannel(channel: Channel): void {
    channel.dispose();
    this.deps.registry.remove(channel);
    if (this.channels.get(channel.topic) === channel) this.channels.delete(channel.topic);
  }

  /** Drops the socket at once (no close handshake): dead peers, slow consumers, shutdown. */
  terminate(): void {
    this.#dispose();
    this.ws.terminate();
  }

  #dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const channel of this.channels.values()) this.#removeChannel(channel);
    this.deps.onClosed(this);
  }
}
