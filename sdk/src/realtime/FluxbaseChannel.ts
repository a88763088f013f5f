/**
 * A realtime channel: Supabase Realtime's `RealtimeChannel` plus the spec's shorthand, where a channel
 * named `table:<schema>.<table>` takes `.on("UPDATE", cb)` and turns it into a `postgres_changes`
 * binding for that table.
 *
 * Wire format (Phoenix channels, as realtime-js speaks it): the join payload carries
 * `config.postgres_changes: [{event, schema, table?, filter?}]`; the join reply carries the same list
 * with an `id` each; changes arrive as event `postgres_changes` with payload
 * `{ ids, data: { schema, table, commit_timestamp, type, record, old_record, columns, errors } }`.
 */
import type { RealtimeChannel } from "@supabase/realtime-js";
import type { FluxbaseError } from "../errors.ts";
import { normalizeChangeMessage } from "./normalizeChangeMessage.ts";
import type {
  RealtimeChangePayload,
  RealtimeChangesFilter,
  RealtimeSubscribeStatus,
  RealtimeTableEvent,
} from "./types.ts";

/** @internal What a channel needs from the realtime client that made it. */
export interface ChannelOwner {
  /** `null` when a WebSocket is ready now, else a promise of `null` or the reason there is none. */
  prepare(): Promise<FluxbaseError | null> | null;
  /** Called after the channel left, so the socket can close when no channel is left. */
  released(channel: FluxbaseChannel): void;
}

type ChangeCallback<T extends Record<string, any>> = (payload: RealtimeChangePayload<T>) => void;
type SubscribeCallback = (status: RealtimeSubscribeStatus, error?: Error) => void;

const TABLE_EVENTS: readonly string[] = ["INSERT", "UPDATE", "DELETE", "*"];

/** `client.realtime.channel(name)`: bind callbacks with `.on(...)`, then `.subscribe()`. */
export class FluxbaseChannel {
  /** The name given to `client.realtime.channel(name)`. */
  readonly name: string;
  readonly #inner: RealtimeChannel;
  readonly #owner: ChannelOwner;
  readonly #table: { schema: string; table: string } | null;
  #wanted = false;

  /** @internal Created by `client.realtime.channel(name)`. */
  constructor(
    name: string,
    inner: RealtimeChannel,
    owner: ChannelOwner,
    table: { schema: string; table: string } | null,
  ) {
    this.name = name;
    this.#inner = inner;
    this.#owner = owner;
    this.#table = table;
    const hooks = inner as unknown as {
      _onMessage: (event: string, payload: unknown, ref?: string) => unknown;
    };
    hooks._onMessage = (event, payload) => normalizeChangeMessage(event, payload);
  }

  /**
   * Calls `callback` for each `INSERT`, `UPDATE`, `DELETE` (or `"*"`: all) of the table this channel is
   * named after (`table:<schema>.<table>`). Bind before `subscribe()`.
   */
  on<T extends Record<string, any> = Record<string, any>>(
    event: RealtimeTableEvent,
    callback: ChangeCallback<T>,
  ): this;
  /** Calls `callback` for each change matching `filter` (any channel name). Bind before `subscribe()`. */
  on<T extends Record<string, any> = Record<string, any>>(
    type: "postgres_changes",
    filter: RealtimeChangesFilter,
    callback: ChangeCallback<T>,
  ): this;
  /** Any other Supabase Realtime binding (`broadcast`, `presence`, `system`), passed through unchanged. */
  on(
    type: "broadcast" | "presence" | "system",
    filter: Record<string, unknown>,
    callback: (payload: any) => void,
  ): this;
  on(type: string, filterOrCallback: unknown, callback?: (payload: any) => void): this {
    if (typeof filterOrCallback === "function") {
      const event = type.toUpperCase();
      if (!TABLE_EVENTS.includes(event)) {
        throw new TypeError(
          `channel.on(event, callback) expects INSERT, UPDATE, DELETE or "*"; got "${type}"`,
        );
      }
      if (!this.#table) {
        throw new TypeError(
          `channel.on("${type}", callback) needs a channel named "table:<schema>.<table>"; this one is "${this.name}". ` +
            `Use .on("postgres_changes", { event, schema, table }, callback) instead.`,
        );
      }
      const filter = { event, schema: this.#table.schema, table: this.#table.table };
      this.#inner.on(
        "postgres_changes" as any,
        filter as any,
        guard(filterOrCallback as (payload: any) => void),
      );
      return this;
    }
    if (typeof callback !== "function")
      throw new TypeError(`channel.on("${type}", filter, callback) needs a callback`);
    this.#inner.on(type as any, (filterOrCallback ?? {}) as any, guard(callback));
    return this;
  }

  /**
   * Joins the channel. `callback` receives `SUBSCRIBED` once the server accepted the bindings, and
   * `CHANNEL_ERROR`, `TIMED_OUT` or `CLOSED` otherwise. After a dropped connection the socket
   * reconnects and the channel re-joins by itself.
   */
  subscribe(callback?: SubscribeCallback, timeoutMs?: number): this {
    this.#wanted = true;
    const report = callback ? guardStatus(callback) : () => {};
    const start = () => {
      if (!this.#wanted) return;
      try {
        this.#inner.subscribe(report as (status: any, error?: Error) => void, timeoutMs);
      } catch (cause) {
        report("CHANNEL_ERROR", cause instanceof Error ? cause : new Error(String(cause)));
      }
    };
    const ready = this.#owner.prepare();
    if (ready === null) start();
    else void ready.then((error) => (error ? report("CHANNEL_ERROR", error) : start()));
    return this;
  }

  /** Leaves the channel; the socket closes when no channel is left. Resolves to the server's answer. */
  async unsubscribe(): Promise<"ok" | "timed out" | "error"> {
    this.#wanted = false;
    try {
      return await this.#inner.unsubscribe();
    } finally {
      this.#owner.released(this);
    }
  }

  /** `closed`, `joining`, `joined`, `leaving` or `errored`. */
  get state(): string {
    return this.#inner.state;
  }

  /** @internal The realtime-js channel underneath. */
  get inner(): RealtimeChannel {
    return this.#inner;
  }
}

/** A callback that throws must not break the socket's message loop (in Node it would crash the process). */
function guard(callback: (payload: any) => void): (payload: any) => void {
  return (payload) => {
    try {
      callback(payload);
    } catch (error) {
      console.error("[fluxbase] realtime callback threw:", error);
    }
  };
}

function guardStatus(callback: SubscribeCallback): SubscribeCallback {
  return (status, error) => {
    try {
      callback(status, error);
    } catch (thrown) {
      console.error("[fluxbase] realtime subscribe callback threw:", thrown);
    }
  };
}
