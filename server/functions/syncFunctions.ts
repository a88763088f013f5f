/**
 * Writes a set of functions into `jobs.functions` in one transaction, as the service role:
 * creates the new, updates the changed (bumping `version`), leaves the unchanged alone and, with
 * `deleteMissing`, deletes the functions of the same origin (and namespace) that are no longer
 * in the set. A function owned by the other origin is never touched: a filesystem sync does not
 * overwrite or delete what was created through the API, and the other way round. A new version that
 * fails to bundle never replaces a good one: the row keeps its code and settings and shows the error.
 */
import type { Sql, Tx } from "../db/createSql.ts";
import { asService } from "../db/withClaims.ts";
import { functionColumns, rowProblem, type StoredFunction, sameFunction } from "./functionRow.ts";
import { DEFAULT_NAMESPACE, type FunctionInput, type FunctionOrigin, type SyncResult } from "./types.ts";

export { prepareFunctionFromSource } from "./prepareFunctionFromSource.ts";

export interface SyncOptions {
  /**
   * Namespace of functions that do not name one, and the only namespace `deleteMissing` looks at.
   * @default undefined — functions without one go to "default"; deleteMissing spans every namespace
   */
  namespace?: string;
  functions: FunctionInput[];
  /** Delete this origin's functions (in `namespace`, when given) that are not in `functions`. */
  deleteMissing: boolean;
  /** Compute the same result without writing anything. */
  dryRun: boolean;
  origin: FunctionOrigin;
  /** Recorded as `created_by` on functions this sync creates. */
  createdBy?: string | null;
}

export async function syncFunctions(sql: Sql, options: SyncOptions): Promise<SyncResult> {
  const result: SyncResult = {
    summary: { created: 0, updated: 0, deleted: 0, unchanged: 0, errors: 0 },
    details: { created: [], updated: [], deleted: [], unchanged: [] },
    errors: [],
  };
  const home = options.namespace ?? DEFAULT_NAMESPACE;
  const label = (namespace: string, name: string) => (namespace === home ? name : `${namespace}/${name}`);
  const wanted = new Map<string, { fn: FunctionInput; namespace: string }>();
  const keptLastGood: SyncResult["errors"] = [];

  for (const fn of options.functions) {
    const namespace = fn.namespace ?? home;
    const name = label(namespace, fn.name);
    const problem = rowProblem(fn, namespace);
    if (problem) result.errors.push({ name, message: problem });
    else if (wanted.has(`${namespace}/${fn.name}`))
      result.errors.push({ name, message: "listed twice; the first counts" });
    else wanted.set(`${namespace}/${fn.name}`, { fn, namespace });
    // Stored anyway, so the error is visible where the function is listed; it cannot run until fixed.
    if (!problem && fn.bundleError) result.errors.push({ name, message: fn.bundleError });
    for (const e of fn.annotationErrors ?? [])
      result.errors.push({ name, message: `${e.file}:${e.line}: ${e.message}` });
  }

  await asService(sql, async (tx) => {
    // Syncs from several processes (or a watcher and the Admin API) take turns.
    if (!options.dryRun) await tx`select pg_advisory_xact_lock(hashtext('fluxbase.jobs.functions.sync'))`;
    const everywhere = options.deleteMissing && options.namespace === undefined;
    const namespaces = everywhere
      ? undefined
      : [...new Set([home, ...[...wanted.values()].map((w) => w.namespace)])];
    const stored = await readStored(tx, namespaces, !options.dryRun);
    const byKey = new Map(stored.map((row) => [`${row.namespace}/${row.name}`, row]));

    for (const [key, { fn, namespace }] of wanted) {
      const name = label(namespace, fn.name);
      const row = byKey.get(key);
      if (row && row.origin !== options.origin) {
        const message =
          row.origin === "handler"
            ? `${name} is a trusted handler of the application (${row.source_path}); a sandboxed function cannot have the same name`
            : `a function named ${name} was created through ${row.origin === "api" ? "the API" : "the jobs folder"}; this ${options.origin === "api" ? "API" : "filesystem"} sync leaves it alone`;
        result.errors.push({ name, message });
      } else if (!row) {
        if (!options.dryRun) await insertFunction(tx, fn, namespace, options);
        result.details.created.push(name);
      } else if (fn.code === null && row.code_hash !== null) {
        // A save that fails to bundle keeps the last good version running; only its error is shown.
        if (row.bundle_error !== fn.bundleError) {
          if (!options.dryRun) await showBundleError(tx, row.id, fn.bundleError);
          result.details.updated.push(name);
        } else result.details.unchanged.push(name);
        keptLastGood.push({
          name,
          message: `the last good version (${row.version}) keeps running until it bundles again`,
        });
      } else if (!sameFunction(row, fn)) {
        if (!options.dryRun) await updateFunction(tx, row.id, fn, namespace);
        result.details.updated.push(name);
      } else {
        result.details.unchanged.push(name);
      }
    }

    if (options.deleteMissing) {
      const gone = stored.filter(
        (row) =>
          row.origin === options.origin &&
          (options.namespace === undefined || row.namespace === options.namespace) &&
          !wanted.has(`${row.namespace}/${row.name}`),
      );
      if (gone.length > 0 && !options.dryRun) {
        await tx`delete from jobs.functions where id = any(${gone.map((row) => row.id)}::uuid[])`;
      }
      result.details.deleted.push(...gone.map((row) => label(row.namespace, row.name)));
    }
  });

  result.errors.push(...keptLastGood);
  for (const kind of ["created", "updated", "deleted", "unchanged"] as const) {
    result.summary[kind] = result.details[kind].length;
  }
  result.summary.errors = result.errors.length;
  return result;
}

/** Rows are compared by hashes, never by fetching the code. `namespaces` undefined: all of them. */
async function readStored(
  tx: Tx,
  namespaces: string[] | undefined,
  lock: boolean,
): Promise<StoredFunction[]> {
  return tx<StoredFunction[]>`
    select id, namespace, name, origin, encode(sha256(convert_to(source, 'UTF8')), 'hex') as source_hash,
           code_hash, bundle_error, version, source_path, description, enabled, schedule, timeout_seconds, memory_mb,
           max_retries, progress_timeout_seconds, permissions, require_roles, run_in, isolation, overlap, concurrency, on_events, on_roles, on_tables, events_error
      from jobs.functions
     where ${namespaces ? tx`namespace = any(${namespaces}::text[])` : tx`true`}
     order by namespace, name
     ${lock ? tx`for update` : tx``}`;
}

async function insertFunction(tx: Tx, fn: FunctionInput, namespace: string, options: SyncOptions) {
  const row = {
    ...functionColumns(fn, namespace),
    ...jsonColumns(tx, fn),
    origin: options.origin,
    created_by: options.createdBy ?? null,
  };
  await tx`insert into jobs.functions ${tx(row)}`;
}

async function showBundleError(tx: Tx, id: string, bundleError: string | null) {
  await tx`update jobs.functions set bundle_error = ${bundleError}, updated_at = now() where id = ${id}`;
}

async function updateFunction(tx: Tx, id: string, fn: FunctionInput, namespace: string) {
  const row = { ...functionColumns(fn, namespace), ...jsonColumns(tx, fn) };
  await tx`update jobs.functions set ${tx(row)}, version = version + 1, updated_at = now() where id = ${id}`;
}

function jsonColumns(tx: Tx, fn: FunctionInput) {
  return {
    permissions: tx.json(fn.settings.permissions as never),
    overlap: fn.settings.overlap === null ? null : tx.json(fn.settings.overlap as never),
    on_tables: tx.json(fn.settings.onTables as never),
  };
}
