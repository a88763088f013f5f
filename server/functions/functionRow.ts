/**
 * How a function maps onto a `jobs.functions` row, and whether a stored row already says the same
 * thing (same bundle, same source, same settings), so an unchanged function keeps its version.
 */
import { createHash } from "node:crypto";
import {
  FUNCTION_NAME_PATTERN,
  type FunctionInput,
  type FunctionOrigin,
  NAMESPACE_PATTERN,
} from "./types.ts";

/** The columns a sync compares, read back from the table. */
export interface StoredFunction {
  id: string;
  namespace: string;
  name: string;
  origin: FunctionOrigin;
  source_hash: string;
  code_hash: string | null;
  bundle_error: string | null;
  version: number;
  source_path: string | null;
  description: string | null;
  enabled: boolean;
  schedule: string | null;
  timeout_seconds: number;
  memory_mb: number;
  max_retries: number;
  progress_timeout_seconds: number;
  permissions: unknown;
  require_roles: string[];
  run_in: string;
  isolation: string;
  overlap: unknown;
  concurrency: number | null;
  on_events: string[];
  on_roles: string[] | null;
  on_tables: unknown;
  events_error: string | null;
}

/** Every column a sync writes, except the jsonb `permissions` and `overlap` (see jsonColumns). */
export function functionColumns(fn: FunctionInput, namespace: string) {
  const s = fn.settings;
  return {
    namespace,
    name: fn.name,
    description: s.description,
    source: fn.source,
    code: fn.code,
    code_hash: fn.codeHash,
    bundle_error: fn.bundleError,
    enabled: s.enabled,
    schedule: s.schedule,
    timeout_seconds: s.timeoutSeconds,
    memory_mb: s.memoryMb,
    max_retries: s.maxRetries,
    progress_timeout_seconds: s.progressTimeoutSeconds,
    require_roles: s.requireRoles,
    run_in: s.runIn,
    isolation: s.isolation,
    concurrency: s.concurrency,
    on_events: s.onEvents,
    on_roles: s.onRoles,
    source_path: fn.sourcePath ?? null,
  };
}

export function sameFunction(stored: StoredFunction, fn: FunctionInput): boolean {
  const s = fn.settings;
  return (
    stored.source_hash === sha256(fn.source) &&
    stored.code_hash === fn.codeHash &&
    stored.bundle_error === fn.bundleError &&
    stored.source_path === (fn.sourcePath ?? null) &&
    stored.description === s.description &&
    stored.enabled === s.enabled &&
    stored.schedule === s.schedule &&
    stored.timeout_seconds === s.timeoutSeconds &&
    stored.memory_mb === s.memoryMb &&
    stored.max_retries === s.maxRetries &&
    stored.progress_timeout_seconds === s.progressTimeoutSeconds &&
    stored.run_in === s.runIn &&
    stored.isolation === s.isolation &&
    stored.concurrency === s.concurrency &&
    // A table subscription that could not be installed is tried again at every load.
    stored.events_error === null &&
    canonical(stored.on_events) === canonical(s.onEvents) &&
    canonical(stored.on_roles) === canonical(s.onRoles) &&
    canonical(stored.on_tables) === canonical(s.onTables) &&
    canonical(stored.require_roles) === canonical(s.requireRoles) &&
    canonical(stored.permissions) === canonical(s.permissions) &&
    canonical(stored.overlap) === canonical(s.overlap)
  );
}

/** Problems that would make Postgres refuse the row (and abort the whole sync), found up front. */
export function rowProblem(fn: FunctionInput, namespace: string): string | undefined {
  const s = fn.settings;
  if (!FUNCTION_NAME_PATTERN.test(fn.name)) {
    return `invalid function name ${JSON.stringify(fn.name)}: expected letters, digits, "_" or "-", starting with a letter or digit, at most 128 characters`;
  }
  if (!NAMESPACE_PATTERN.test(namespace)) {
    return `invalid namespace ${JSON.stringify(namespace)}: expected letters, digits, "_" or "-", at most 64 characters`;
  }
  const ints: [string, number, number][] = [
    ["timeout", s.timeoutSeconds, 1],
    ["memory", s.memoryMb, 16],
    ["max-retries", s.maxRetries, 0],
    ["progress-timeout", s.progressTimeoutSeconds, 1],
  ];
  for (const [what, value, min] of ints) {
    if (!Number.isInteger(value) || value < min || value > 2_147_483_647) {
      return `invalid ${what}: expected a whole number of at least ${min}, got ${value}`;
    }
  }
  if (
    [fn.source, fn.code ?? "", fn.bundleError ?? "", s.description ?? ""].some((t) => t.includes("\u0000"))
  ) {
    return "the source contains a NUL character, which Postgres text cannot store";
  }
  return undefined;
}

export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** JSON with sorted keys, so two equal objects compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
