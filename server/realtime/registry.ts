/** Joined channels indexed by the tables they listen to, so a change only visits its own subscribers. */
import type { Channel } from "./channel.ts";

export class ChannelRegistry {
  readonly #all = new Set<Channel>();
  readonly #byTable = new Map<string, Set<Channel>>();

  add(channel: Channel): void {
    this.#all.add(channel);
    for (const key of tableKeys(channel)) {
      const set = this.#byTable.get(key) ?? new Set<Channel>();
      this.#byTable.set(key, set.add(channel));
    }
  }

  remove(channel: Channel): void {
    this.#all.delete(channel);
    for (const key of tableKeys(channel)) this.#byTable.get(key)?.delete(channel);
  }

  channelsFor(tableKey: string): Iterable<Channel> {
    return this.#byTable.get(tableKey) ?? [];
  }

  get size(): number {
    return this.#all.size;
  }
}

function tableKeys(channel: Channel): Set<string> {
  return new Set(channel.bindings.flatMap((binding) => binding.tables.map((table) => table.key)));
}
