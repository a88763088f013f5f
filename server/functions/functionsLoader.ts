/**
 * Keeps `jobs.functions` in step with the jobs folder: loads and syncs every function at start-up
 * (filesystem origin, deleting the filesystem functions whose files are gone, in every namespace)
 * and again whenever the folder changes. Syncs never overlap; changes during one cause one more.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { FluxbaseConfig } from "../config/types.ts";
import type { Sql } from "../db/createSql.ts";
import type { Logger } from "../log.ts";
import { jobsDirFingerprint } from "./jobsDirFingerprint.ts";
import { loadFunctionsFromDir } from "./loadFunctionsFromDir.ts";
import { syncFunctions } from "./syncFunctions.ts";
import type { LoadedFunction, SyncResult } from "./types.ts";
import { type JobsDirWatcher, watchJobsDir } from "./watchJobsDir.ts";

export interface FunctionsLoaderOptions {
  sql: Sql;
  config: FluxbaseConfig;
  logger: Logger;
  /** Quiet time after a change before resyncing. @default 200 */
  debounceMs?: number;
}

export interface FunctionsLoader {
  /** Loads the folder and syncs it; waits for a sync already running, then runs one more. */
  loadAll(): Promise<SyncResult>;
  /** Resyncs on every change to the folder; idempotent. The caller decides (config `jobs.watch`). */
  startWatching(): void;
  /** Stops watching and waits for a running sync. */
  close(): Promise<void>;
}

export function createFunctionsLoader(options: FunctionsLoaderOptions): FunctionsLoader {
  const { sql, config } = options;
  const logger = options.logger.child("functions");
  const dir = config.jobs.dir;
  let current: Promise<SyncResult> | undefined;
  let next: Promise<SyncResult> | undefined;
  let watcher: JobsDirWatcher | undefined;
  let syncs = 0;
  let closed = false;
  /** What the folder looked like when the last sync read it. */
  let syncedFingerprint: string | undefined;

  const syncOnce = async (): Promise<SyncResult> => {
    const first = syncs++ === 0;
    if (!existsSync(dir)) {
      // More likely a wrong FLUXBASE_JOBS_DIR than a wish to delete every function: keep them.
      logger.warn(`jobs folder ${dir} does not exist; functions in the database are left as they are`);
      return emptyResult();
    }
    const started = Date.now();
    syncedFingerprint = await jobsDirFingerprint(dir);
    const loaded = await loadFunctionsFromDir(dir, {
      jobs: config.jobs,
      importAllowPrivate: config.jobs.importAllowPrivate,
      denoDir: path.join(config.dataDir, "deno"),
    });
    for (const problem of loaded.problems) {
      logger.warn(
        `${path.join(dir, problem.file)}${problem.line ? `:${problem.line}` : ""}: ${problem.message}`,
      );
    }
    for (const fn of loaded.functions) report(fn);
    const result = await syncFunctions(sql, {
      functions: loaded.functions,
      deleteMissing: true,
      dryRun: false,
      origin: "filesystem",
    });
    const byName = new Map(
      loaded.functions.map((fn) => [fn.namespace === "default" ? fn.name : `${fn.namespace}/${fn.name}`, fn]),
    );
    for (const kind of ["created", "updated", "unchanged"] as const) {
      for (const name of result.details[kind]) {
        if (kind === "unchanged" && !first) continue;
        const fn = byName.get(name);
        const status =
          !fn || fn.code !== null ? "ready" : blockedByAnnotation(fn) ? "not loaded" : "failed to bundle";
        logger.info(`function ${name} ${kind} (${fn?.sourcePath}, ${status})`, describe(fn));
      }
    }
    for (const name of result.details.deleted) logger.info(`function ${name} deleted (its file is gone)`);
    // Annotation and bundle errors were logged above with their full path; log what the sync adds.
    const logged = new Set(loaded.functions.flatMap((fn) => fileErrors(fn)));
    for (const error of result.errors) {
      if (!logged.has(error.message)) logger.error(`function ${error.name}: ${error.message}`);
    }
    const { created, updated, deleted, unchanged, errors } = result.summary;
    logger.info(`synced ${dir} in ${Date.now() - started} ms`, {
      created,
      updated,
      deleted,
      unchanged,
      errors,
    });
    return result;
  };

  const report = (fn: LoadedFunction) => {
    const at = (file: string, line?: number) => `${path.join(dir, file)}${line ? `:${line}` : ""}`;
    for (const e of fn.annotationErrors) logger.error(`${at(e.file, e.line)}: ${e.message}`);
    if (fn.bundleError && !blockedByAnnotation(fn))
      logger.error(`${at(fn.sourcePath ?? fn.name)}: bundle failed: ${fn.bundleError}`);
  };

  const request = (): Promise<SyncResult> => {
    if (closed) return Promise.reject(new Error("the functions loader is closed"));
    if (!current) {
      current = syncOnce().finally(() => {
        current = undefined;
      });
      return current;
    }
    next ??= current.then(ignore, ignore).then(() => {
      next = undefined;
      return request();
    });
    return next;
  };

  return {
    loadAll: request,
    startWatching() {
      if (watcher || closed) return;
      const onChange = () => {
        if (closed) return;
        request().catch((error) => logger.error("resync after a change failed", { error }));
      };
      watcher = watchJobsDir(dir, onChange, {
        debounceMs: options.debounceMs,
        onError: (error) => logger.warn("watching the jobs folder failed; retrying", { error }),
      });
      // The watcher sees changes only once it is ready; one made before that is caught here.
      void watcher.ready
        .then(async () => {
          if (syncedFingerprint !== undefined && (await jobsDirFingerprint(dir)) !== syncedFingerprint)
            onChange();
        })
        .catch(ignore);
      logger.info(`watching ${dir} for changes`);
    },
    async close() {
      closed = true;
      await watcher?.close();
      watcher = undefined;
      await Promise.allSettled([current, next]);
    },
  };
}

const ignore = () => {};

/** A function kept from loading by an annotation (a schedule that cannot fire), not by its bundle. */
const blockedByAnnotation = (fn: LoadedFunction) =>
  fn.annotationErrors.some((e) => fn.bundleError === `${e.file}:${e.line}: ${e.message}`);

/** The messages a sync reports for a function's own file problems (see syncFunctions). */
const fileErrors = (fn: LoadedFunction) => [
  ...(fn.bundleError ? [fn.bundleError] : []),
  ...fn.annotationErrors.map((e) => `${e.file}:${e.line}: ${e.message}`),
];

function describe(fn: LoadedFunction | undefined): Record<string, unknown> {
  if (!fn) return {};
  const s = fn.settings;
  return {
    timeout: s.timeoutSeconds,
    maxRetries: s.maxRetries,
    ...(s.schedule ? { schedule: s.schedule } : {}),
    ...(s.requireRoles.length ? { requireRoles: s.requireRoles } : {}),
    ...(s.enabled ? {} : { enabled: false }),
  };
}

function emptyResult(): SyncResult {
  return {
    summary: { created: 0, updated: 0, deleted: 0, unchanged: 0, errors: 0 },
    details: { created: [], updated: [], deleted: [], unchanged: [] },
    errors: [],
  };
}
