/**
 * One process's view of the toggles: the whole state loaded at once and kept until a change is
 * announced. Every write to toggles.flags or toggles.overrides fires NOTIFY on `fluxbase_toggles`
 * (migration 0011), which drops the cached copy here; the next read loads it again. A (re)listen also
 * drops it, since announcements may have been missed while disconnected. Without a listening
 * connection the copy lives `fallbackTtl` at most, so a change still reaches every process within
 * about a second. The database stays the source of truth.
 */
import type { Sql } from "../db/createSql.ts";
import { togglesChannel } from "../db/notifyChannels.ts";
import { HttpError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { evaluateToggle } from "./evaluate.ts";
import { loadToggleState } from "./loadToggleState.ts";
import type { ToggleDefinition, ToggleState } from "./types.ts";

export interface ToggleStoreOptions {
  sql: Sql;
  declared: readonly ToggleDefinition[];
  logger: Logger;
  /** How long a copy lives while no LISTEN is active. @default 1000 */
  fallbackTtl?: number;
  /** How long a copy lives while listening: a backstop only. @default 300000 */
  listeningTtl?: number;
}

export interface ToggleStore {
  readonly declared: ReadonlyMap<string, ToggleDefinition>;
  /** LISTEN for changes; resolves once listening (or once it failed, logged). */
  start(): Promise<void>;
  /** Whether `id` is on for `tenant`; throws 404 TOGGLE_NOT_FOUND for an unknown toggle. */
  isOn(id: string, tenant: string | null): Promise<boolean>;
  state(): Promise<ToggleState>;
  /** Drops the cached copy (after a write this process made, or an announcement). */
  invalidate(): void;
  /** Called on each invalidation, for tests and measurements. */
  onInvalidate(listener: () => void): () => void;
  readonly sql: Sql;
  close(): Promise<void>;
}

export function createToggleStore(options: ToggleStoreOptions): ToggleStore {
  const { sql, logger } = options;
  const fallbackTtl = options.fallbackTtl ?? 1000;
  const listeningTtl = options.listeningTtl ?? 300_000;
  const declared = new Map(options.declared.map((toggle) => [toggle.id, toggle]));
  const listeners = new Set<() => void>();
  let generation = 0;
  let current: { state: ToggleState; generation: number; loadedAt: number } | undefined;
  let loading: { generation: number; promise: Promise<ToggleState> } | undefined;
  let listening = false;
  let closed = false;
  let unlisten: (() => Promise<void>) | undefined;

  const invalidate = () => {
    generation++;
    for (const listener of listeners) {
      try {
        listener();
      } catch {
        // A listener that throws never stops an invalidation.
      }
    }
  };

  function load(): Promise<ToggleState> {
    if (loading && loading.generation === generation) return loading.promise;
    const gen = generation;
    const startedAt = Date.now();
    const promise = loadToggleState(sql).then((state) => {
      if (!current || current.generation <= gen) current = { state, generation: gen, loadedAt: startedAt };
      return state;
    });
    const entry = { generation: gen, promise };
    loading = entry;
    promise
      .finally(() => {
        if (loading === entry) loading = undefined;
      })
      .catch(() => {});
    return promise;
  }

  async function state(): Promise<ToggleState> {
    if (
      current &&
      current.generation === generation &&
      Date.now() - current.loadedAt < (listening ? listeningTtl : fallbackTtl)
    ) {
      return current.state;
    }
    return load();
  }

  return {
    declared,
    sql,
    invalidate,
    state,
    onInvalidate(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      try {
        const subscription = await sql.listen(togglesChannel, invalidate, () => {
          // First listen, and every re-listen after a lost connection: what was missed is reloaded.
          listening = true;
          invalidate();
        });
        if (closed) await subscription.unlisten();
        else unlisten = () => subscription.unlisten();
      } catch (error) {
        listening = false;
        logger.warn("toggles cannot listen for changes; each process re-reads them every second", {
          error: (error as Error).message,
        });
      }
    },
    async isOn(id, tenant) {
      const on = evaluateToggle(await state(), declared, id, tenant);
      if (on === undefined) {
        throw new HttpError(
          404,
          "TOGGLE_NOT_FOUND",
          `No toggle "${id}": declare it with defineToggle, or create it with PUT /api/v1/admin/toggles/${id}`,
          { toggle: id },
        );
      }
      return on;
    },
    async close() {
      closed = true;
      listening = false;
      await unlisten?.().catch(() => {});
    },
  };
}
