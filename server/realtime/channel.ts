/**
 * One joined channel of one socket: its topic and join ref, its postgres_changes bindings, and the
 * identity its events are checked as (the socket's, or the join's / last access_token's), with a timer
 * that closes it when that identity's token expires.
 */
import type { Identity } from "../auth/identity.ts";
import type { ChangeType } from "../db/changeNotification.ts";
import type { Binding } from "./bindings.ts";
import { matchesFilter } from "./filter.ts";
import { identityKey, isExpired } from "./identityKey.ts";
import type { Row, TableSpec } from "./tables.ts";

/** The socket side a channel pushes through (see connection.ts). */
export interface ChannelOwner {
  pushRaw(channel: Channel, event: string, payloadJson: string): void;
}

// setTimeout fires at once for delays past 2^31-1 ms (~24.8 days); long-lived keys re-arm instead.
const maxTimerMs = 2 ** 31 - 1;

export class Channel {
  readonly topic: string;
  /** The topic without realtime-js's "realtime:" prefix: the `channel` of system messages. */
  readonly subTopic: string;
  identity: Identity;
  key: string;
  closed = false;
  #expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly owner: ChannelOwner,
    topic: string,
    readonly joinRef: string | null,
    readonly bindings: readonly Binding[],
    readonly broadcastSelf: boolean,
    identity: Identity,
    private readonly onExpired: (channel: Channel) => void,
  ) {
    this.topic = topic;
    this.subTopic = topic.replace(/^realtime:/i, "");
    this.identity = identity;
    this.key = identityKey(identity);
    this.#arm();
  }

  /** Replaces the identity (token refresh); events in flight that were read as the old one are dropped. */
  setIdentity(identity: Identity): void {
    this.identity = identity;
    this.key = identityKey(identity);
    this.#arm();
  }

  isExpired(now = Date.now()): boolean {
    return isExpired(this.identity, now);
  }

  listensTo(table: TableSpec, type: ChangeType): boolean {
    return this.bindings.some((binding) => covers(binding, table, type));
  }

  /** Ids of the bindings this change matches, filters evaluated on `row` (what the subscriber may see). */
  matchingIds(table: TableSpec, type: ChangeType, row: Row): number[] {
    const ids: number[] = [];
    for (const binding of this.bindings) {
      if (!covers(binding, table, type)) continue;
      const filter = binding.filters?.get(table.key);
      if (filter && !matchesFilter(filter, row)) continue;
      ids.push(binding.id);
    }
    return ids;
  }

  dispose(): void {
    this.closed = true;
    clearTimeout(this.#expiryTimer);
  }

  #arm(): void {
    clearTimeout(this.#expiryTimer);
    const delay = this.identity.expiresAt * 1000 - Date.now();
    this.#expiryTimer = setTimeout(
      () => (this.isExpired() ? this.onExpired(this) : this.#arm()),
      Math.max(0, Math.min(delay, maxTimerMs)),
    );
    this.#expiryTimer.unref();
  }
}

function covers(binding: Binding, table: TableSpec, type: ChangeType): boolean {
  return (binding.event === "*" || binding.event === type) && binding.tables.includes(table);
}
