/**
 * The shapes shared by the functions loader: what annotations say, what the database stores, and
 * what one loaded function carries from the jobs folder (or an API upload) to `jobs.functions`.
 */

import type { TableSubscription } from "./eventSubscription.ts";

/** A problem found in a function's annotations: 1-based line in `file`. */
export interface AnnotationError {
  file: string;
  line: number;
  message: string;
}

/** A problem with a whole file (bad name, duplicate name, unreadable); `line` when one applies. */
export interface FunctionProblem {
  file: string;
  line?: number;
  message: string;
}

/** What the `@fluxbase:` annotations of one file say; a field is undefined when not annotated. */
export interface FunctionSettings {
  namespace?: string;
  requireRoles?: string[];
  /** Seconds. */
  timeout?: number;
  maxRetries?: number;
  /** A 5- or 6-field cron expression. */
  schedule?: string;
  description?: string;
  /** Megabytes of V8 heap. */
  memory?: number;
  /** Seconds without a progress report before the job is failed. */
  progressTimeout?: number;
  enabled?: boolean;
  /** `true`: every host; a list: only these hosts (`host` or `host:port`). */
  allowNet?: true | string[];
  allowEnv?: string[];
  allowRead?: string[];
  allowWrite?: string[];
  /** Where jobs of the function run: a process with the HTTP API, or a worker process. */
  runIn?: "api" | "worker";
  /** "warm": a kept Deno process serves run after run; "process": a fresh process per run. */
  isolation?: "warm" | "process";
  /** What a submit does while a job with the same key is active (see OverlapSetting). */
  overlap?: "allow" | OverlapPolicy;
  /** A dotted payload path whose value is the overlap key. */
  overlapKey?: string;
  overlapScope?: "user" | "global";
  /** At most this many running jobs of the function, across all processes. */
  concurrency?: number;
  /** Named events that start a job of the function (`@fluxbase:on incident:created`). */
  onEvents?: string[];
  /** Table changes that start a job (`@fluxbase:on insert app.orders`). */
  onTables?: TableSubscription[];
  /** Who may start it by an event; default: whoever may submit it. */
  onRoles?: string[];
}

export type OverlapPolicy = "reject" | "queue" | "supersede";
export const OVERLAP_POLICIES: readonly OverlapPolicy[] = ["reject", "queue", "supersede"];
/** An overlap key: a dotted payload path such as `user_id` or `order.id`. */
export const OVERLAP_KEY_PATTERN = /^[A-Za-z0-9_$-]{1,100}(?:\.[A-Za-z0-9_$-]{1,100}){0,9}$/;

/**
 * What jobs with the same key do to each other (stored in `jobs.functions.overlap`): `reject` — while
 * one is pending or running, a submit is refused (409 JOB_ALREADY_ACTIVE); `queue` — at most one runs
 * at a time, the others wait; `supersede` — a new one cancels the older active ones. The key is the
 * payload value at `key` (one key for the whole function when null), per submitting user unless
 * `scope` is global.
 */
export interface OverlapSetting {
  policy: OverlapPolicy;
  key: string | null;
  scope: "user" | "global";
}

/**
 * Sandbox permissions as stored in `jobs.functions.permissions` and read by the sandbox host.
 * `net`: false = none, true = all hosts, a list = those hosts. Empty lists grant nothing.
 */
export interface FunctionPermissions {
  net: boolean | string[];
  env: string[];
  read: string[];
  write: string[];
}

/** Settings with defaults applied: one field per `jobs.functions` column, never undefined. */
export interface ResolvedFunctionSettings {
  description: string | null;
  enabled: boolean;
  schedule: string | null;
  timeoutSeconds: number;
  memoryMb: number;
  maxRetries: number;
  progressTimeoutSeconds: number;
  requireRoles: string[];
  permissions: FunctionPermissions;
  runIn: "api" | "worker";
  isolation: "warm" | "process";
  /** Null: `allow`, jobs never wait for or refuse each other. */
  overlap: OverlapSetting | null;
  /** Null: no cap beyond the namespace's. */
  concurrency: number | null;
  onEvents: string[];
  onTables: TableSubscription[];
  /** Null: the require-role roles. */
  onRoles: string[] | null;
}

/** What a sync writes for one function; an API upload builds one with `prepareFunctionFromSource`. */
export interface FunctionInput {
  name: string;
  /** @default the sync's `namespace`, else "default" */
  namespace?: string;
  /** What the author wrote. */
  source: string;
  /** The bundle that runs; null when bundling failed. */
  code: string | null;
  /** sha256 (hex) of `code`; null when bundling failed. */
  codeHash: string | null;
  bundleError: string | null;
  settings: ResolvedFunctionSettings;
  /** Entry file relative to the jobs folder (POSIX separators); null for uploads. */
  sourcePath?: string | null;
  /** Reported back by a sync as errors; they do not stop the function being stored. */
  annotationErrors?: AnnotationError[];
}

/** One function read from the jobs folder (or prepared from an upload), bundled and resolved. */
export interface LoadedFunction extends FunctionInput {
  namespace: string;
  sourcePath: string | null;
  annotationErrors: AnnotationError[];
}

export type FunctionOrigin = "filesystem" | "api" | "handler";

export interface SyncResult {
  summary: { created: number; updated: number; deleted: number; unchanged: number; errors: number };
  details: { created: string[]; updated: string[]; deleted: string[]; unchanged: string[] };
  errors: { name: string; message: string }[];
}

/** Function names as the `jobs.functions.name` check constraint accepts them. */
export const FUNCTION_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
/** Namespaces as the `jobs.functions.namespace` check constraint accepts them. */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const DEFAULT_NAMESPACE = "default";
