/**
 * Keeps the schema cache warm so that requests never query the catalogs themselves. Schema changes
 * are announced by the `ddl_command_end` event trigger (migration 0004) on the `fluxbase_schema`
 * channel; the cache listens, and every (re)listen also invalidates because notifications may have been
 * missed while disconnected. Without the trigger (the login user could not create it) or without a
 * listening connection the cache falls back to a short time-to-live. A request that names something
 * missing reloads only when the DDL counter moved since its catalog was read (with the trigger), or at
 * most once per `missInterval` (without it), so misses cannot become a reload storm.
 */
import type { Sql } from "../db/createSql.ts";
import { schemaChannel } from "../db/notifyChannels.ts";
import type { Logger } from "../log.ts";
import type { Catalog } from "./catalog.ts";
import { currentSchemaVersion, loadCatalog } from "./loadCatalog.ts";

export interface CatalogCacheOptions {
  sql: Sql;
  schemas: readonly string[];
  logger: Logger;
  /** Lifetime when changes are not announced. @default 5000 */
  fallbackTtl?: number;
  /** Lifetime when they are: a backstop only. @default 300000 */
  announcedTtl?: number;
  /** Minimum time between reloads forced by a miss. @default 250 */
  missInterval?: number;
}

export interface CatalogCache {
  get(): Promise<Catalog>;
  /** After `used` missed something: a fresher catalog to retry with, or undefined (answer the miss). */
  refreshAfterMiss(used: Catalog): Promise<Catalog | undefined>;
  invalidate(): void;
  /** True while the LISTEN for schema changes is active. */
  listening(): boolean;
}

interface Loaded {
  catalog: Catalog;
  generation: number;
  loadedAt: number;
}

export function createCatalogCache(options: CatalogCacheOptions): CatalogCache {
  const { sql, schemas, logger } = options;
  const fallbackTtl = options.fallbackTtl ?? 5000;
  const announcedTtl = options.announcedTtl ?? 300_000;
  const missInterval = options.missInterval ?? 250;
  let generation = 0;
  let current: Loaded | undefined;
  let loading: { generation: number; promise: Promise<Catalog> } | undefined;
  let listening: "idle" | "pending" | "yes" | "failed" = "idle";
  let lastMissReload = 0;

  const invalidate = () => {
    generation++;
  };

  function listen(): void {
    if (listening !== "idle") return;
    listening = "pending";
    sql
      .listen(schemaChannel, invalidate, () => {
        invalidate();
        listening = "yes";
      })
      .catch((error: Error) => {
        listening = "failed";
        logger.warn("REST schema cache cannot listen for schema changes; using a short TTL", {
          error: error.message,
        });
      });
  }

  function load(): Promise<Catalog> {
    if (loading && loading.generation === generation) return loading.promise;
    const gen = generation;
    const previous = loading?.promise.catch(() => undefined) ?? Promise.resolve();
    const promise = previous
      .then(() => {
        const startedAt = Date.now();
        return loadCatalog(sql, schemas).then((catalog) => ({ catalog, startedAt }));
      })
      .then(({ catalog, startedAt }) => {
        if (!current || current.generation <= gen)
          current = { catalog, generation: gen, loadedAt: startedAt };
        return catalog;
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

  function fresh(loaded: Loaded): boolean {
    if (loaded.generation !== generation) return false;
    const announced = listening === "yes" && loaded.catalog.eventTrigger;
    return Date.now() - loaded.loadedAt < (announced ? announcedTtl : fallbackTtl);
  }

  return {
    invalidate,
    listening: () => listening === "yes",
    async get() {
      listen();
      if (current && fresh(current)) return current.catalog;
      return load();
    },
    async refreshAfterMiss(used) {
      if (current && current.catalog !== used && fresh(current)) return current.catalog;
      if (used.eventTrigger) {
        // DDL bumps a counter: reload only when something changed since `used` was read, so a name
        // created a moment ago is found, and names that do not exist never cause a reload.
        const version = await currentSchemaVersion(sql);
        if (version === used.schemaVersion) return undefined;
        if (current && current.catalog.schemaVersion >= version) return current.catalog;
        invalidate();
        return load();
      }
      if (Date.now() - lastMissReload < missInterval) return undefined;
      lastMissReload = Date.now();
      invalidate();
      return load();
    },
  };
}
