/**
 * Records this process's trusted handlers in `jobs.functions` (origin 'handler', no code), so that
 * submit, limits, required roles, schedules and the admin list treat them like any function. A
 * name that is also a sandboxed function — a file in the jobs folder or an upload — stops the
 * start with both places named. Rows of handlers no longer defined are left alone: another
 * process of the same application may still define them.
 */
import type { JobsConfig } from "../config/types.ts";
import type { Sql, Tx } from "../db/createSql.ts";
import { asService } from "../db/withClaims.ts";
import { ConfigError } from "../errors.ts";
import { parseSubscription, type TableSubscription } from "../functions/eventSubscription.ts";
import type { ScannedFunction } from "../functions/scanJobsDir.ts";
import { normalizeCron } from "../schedules/cronExpression.ts";
import type { HandlerRegistry } from "./handlerRegistry.ts";
import type { AnyJobDefinition } from "./types.ts";

type Defaults = Pick<
  JobsConfig,
  "defaultTimeout" | "maxTimeout" | "defaultMaxRetries" | "defaultProgressTimeout" | "defaultMemory"
>;

export async function syncHandlers(
  sql: Sql,
  registry: HandlerRegistry,
  jobs: Defaults,
  sandboxedFiles: readonly ScannedFunction[],
): Promise<void> {
  if (registry.definitions.length === 0) return;
  const files = new Map(sandboxedFiles.map((file) => [file.name, file.sourcePath]));
  for (const def of registry.definitions) {
    const file = files.get(def.name);
    if (file) throw clash(def, `as a sandboxed function in the jobs folder (${file})`);
  }
  await asService(sql, async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('fluxbase.jobs.functions.sync'))`;
    const others = await tx<
      { namespace: string; name: string; origin: string; source_path: string | null }[]
    >`
      select namespace, name, origin, source_path from jobs.functions
      where origin <> 'handler' and (namespace || '/' || name) = any(${[...registry.keys]}::text[])`;
    for (const row of others) {
      const def = registry.get(row.namespace, row.name)!;
      throw clash(
        def,
        row.origin === "filesystem"
          ? `as a sandboxed function in the jobs folder (${row.source_path})`
          : "as a sandboxed function uploaded through the API",
      );
    }
    const rows = registry.definitions.map((def) => handlerRow(tx, def, jobs));
    await tx`
      insert into jobs.functions ${tx(rows)}
      on conflict (namespace, name) do update set
        description = excluded.description, enabled = excluded.enabled, schedule = excluded.schedule,
        timeout_seconds = excluded.timeout_seconds, max_retries = excluded.max_retries,
        require_roles = excluded.require_roles, run_in = excluded.run_in, overlap = excluded.overlap,
        concurrency = excluded.concurrency, on_events = excluded.on_events, on_roles = excluded.on_roles,
        on_tables = excluded.on_tables,
        source = excluded.source,
        source_path = excluded.source_path, version = jobs.functions.version + 1, updated_at = now()
      where jobs.functions.origin = 'handler'
        and (jobs.functions.description, jobs.functions.enabled, jobs.functions.schedule,
             jobs.functions.timeout_seconds, jobs.functions.max_retries, jobs.functions.require_roles,
             jobs.functions.run_in, jobs.functions.source_path, jobs.functions.overlap,
             jobs.functions.concurrency, jobs.functions.on_events, jobs.functions.on_roles,
             jobs.functions.on_tables, jobs.functions.events_error is not null)
        is distinct from (excluded.description, excluded.enabled, excluded.schedule, excluded.timeout_seconds,
             excluded.max_retries, excluded.require_roles, excluded.run_in, excluded.source_path,
             excluded.overlap, excluded.concurrency, excluded.on_events, excluded.on_roles,
             excluded.on_tables, false)`;
  });
}

function handlerRow(tx: Tx, def: AnyJobDefinition, jobs: Defaults) {
  return {
    namespace: def.namespace,
    name: def.name,
    description: def.description ?? null,
    source: `// trusted handler, defined at ${def.definedAt}`,
    code: null,
    code_hash: null,
    bundle_error: null,
    enabled: def.enabled,
    schedule: def.schedule === undefined ? null : normalizeCron(def.schedule),
    timeout_seconds: Math.min(def.timeout ?? jobs.defaultTimeout, jobs.maxTimeout),
    memory_mb: jobs.defaultMemory,
    max_retries: def.maxRetries ?? jobs.defaultMaxRetries,
    progress_timeout_seconds: jobs.defaultProgressTimeout,
    require_roles: def.requireRole,
    origin: "handler",
    source_path: def.definedAt,
    run_in: def.runIn,
    overlap:
      def.overlap === undefined || def.overlap.policy === "allow"
        ? null
        : tx.json({
            policy: def.overlap.policy,
            key: def.overlap.key ?? null,
            scope: def.overlap.scope ?? "user",
          }),
    concurrency: def.concurrency ?? null,
    ...subscriptions(tx, def),
  };
}

function clash(def: AnyJobDefinition, other: string): ConfigError {
  return new ConfigError(
    `Job "${def.name}" is defined twice: as a trusted handler at ${def.definedAt} and ${other}. Rename one of them.`,
  );
}

/** `on` as the functions table stores it: named events, and table changes (see eventSubscription.ts). */
function subscriptions(tx: Tx, def: AnyJobDefinition) {
  const events: string[] = [];
  const tables: TableSubscription[] = [];
  for (const on of def.on) {
    const sub = parseSubscription(on);
    if (typeof sub === "string") continue; // refused by the registry before this runs
    if ("event" in sub) events.push(sub.event);
    else tables.push(...sub.tables);
  }
  return {
    on_events: [...new Set(events)],
    on_roles: def.onRole === undefined ? null : [...def.onRole],
    on_tables: tx.json(tables as never),
  };
}
