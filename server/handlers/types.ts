/**
 * The shapes of trusted handlers: what `defineJob` takes and returns, and the context a handler
 * receives. A definition carries its payload types as phantom fields so the registry built from a
 * list of definitions can type `enqueue(name, payload)`.
 */

import type { z } from "zod";
import type { Ai } from "../ai/types.ts";
import type { Sql, Tx } from "../db/createSql.ts";
import type { EmittedEvent } from "../events/emitEvent.ts";
import type { Toggles } from "../toggles/types.ts";

export type Lane = "api" | "worker";

export interface HandlerLog {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The job a handler runs, as claimed. */
export interface HandlerJob<Payload> {
  id: string;
  name: string;
  namespace: string;
  /** 1 for the first run, 2 for the first retry, ... */
  attempt: number;
  maxRetries: number;
  /** Who submitted the job; null for jobs the service role submitted for nobody. */
  user: { id: string; email: string | null; role: string } | null;
  payload: Payload;
}

/** Per-job options, within the limits of the job's definition. */
export interface SubmitOptions {
  /** Higher runs first, -1000..1000. @default 0 */
  priority?: number;
  /** At most the definition's maxRetries. */
  maxRetries?: number;
  /** Seconds, at most the definition's timeout. */
  timeout?: number;
  /** Retry delays: the first after about baseMs, doubling up to maxMs. @default the server's */
  backoff?: { baseMs: number; maxMs: number };
  /** Seconds to wait before the job may run. */
  delay?: number;
  /** When the job may run; not together with `delay`. */
  scheduledAt?: Date | string;
  /**
   * While a pending job of this function has the same key (for the same user), return it instead of
   * adding another (`dedupe: "replace"`: give it this payload and run time). On a job with
   * `overlap: { policy: "reject" }`, the key compared instead of the payload's.
   */
  dedupeKey?: string;
  /** @default "keep" */
  dedupe?: "keep" | "replace";
}

export interface EnqueueOptions extends SubmitOptions {
  /** @default the job's own namespace ("default" from outside a job) */
  namespace?: string;
  /**
   * Run the insert on this connection: pass the transaction of `sql.begin(async (tx) => ...)` and
   * the job is only created if that transaction commits.
   */
  sql?: Sql | Tx;
  /** Submit for this user: the job runs with their identity (`ctx.sqlAsUser`, `ctx.job.user`). */
  onBehalfOf?: { userId: string; email?: string; role?: string; tenant?: string };
  /** Return the earlier job instead of creating a second one with the same key. */
  idempotencyKey?: string;
  /**
   * Mail `onBehalfOf.email` when the job ends (see docs/notifications.md). Throws 400
   * `NOTIFY_UNAVAILABLE` without FLUXBASE_SMTP_URL and `NOTIFY_NO_EMAIL` without an email.
   */
  notify?: boolean;
}

/** What `enqueue` returns: the job as stored. */
export interface EnqueuedJob {
  id: string;
  job_name: string;
  namespace: string;
  status: string;
  /** False when an idempotency or dedupe key returned an earlier job. */
  created: boolean;
}

export interface HandlerJobs {
  /** Submits a job by name (a trusted handler or a sandboxed function) as the service role. */
  enqueue(name: string, payload?: Record<string, unknown>, options?: EnqueueOptions): Promise<EnqueuedJob>;
}

export interface HandlerEvents {
  /**
   * Emits a named event as the service role: one job per function listening to it
   * (`@fluxbase:on <name>`, `defineJob({ on })`). Pass `sql` (a transaction) to emit only if it commits.
   */
  emit(name: string, payload?: Record<string, unknown>, options?: { sql?: Sql | Tx }): Promise<EmittedEvent>;
}

export interface HandlerContext<Payload = unknown> {
  /** postgres.js as the service role (row-level security does not apply; grants do). */
  sql: Sql;
  /** Runs `work` in a transaction as the job's submitter: their role, their claims, their RLS. */
  sqlAsUser<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** Reports progress (0-100); writes are coalesced, the last value always lands. */
  progress(percent: number, message?: string, data?: unknown): void;
  /** Lines in the job's log (`jobs.logs`), readable by whoever can read the job. */
  log: HandlerLog;
  /** Aborted when the job is cancelled, terminated, times out, or the server shuts down. */
  signal: AbortSignal;
  /** True once the job was cancelled or terminated. */
  isCancelled(): boolean;
  job: HandlerJob<Payload>;
  jobs: HandlerJobs;
  events: HandlerEvents;
  /** Chat and embeddings through the server's AI providers, within this run's token budget. */
  ai: Ai;
  /** Feature toggles for the job's tenant (the submitter's FLUXBASE_TENANT_CLAIM claim, else the user). */
  toggles: Toggles;
}

export interface JobOverlap {
  policy: "allow" | "reject" | "queue" | "supersede";
  key?: string;
  scope?: "user" | "global";
}

export interface DefineJobInput<Name extends string, Schema extends z.ZodType, Result> {
  /** Letters, digits, `-` and `_`; unique across handlers and sandboxed functions. */
  name: Name;
  /** @default "default" */
  namespace?: string;
  /** Where the job runs: a process with the HTTP API, or a worker process. @default "worker" */
  runIn?: Lane;
  /** Checked at every submit path: a bad payload is refused with 400 VALIDATION_ERROR. */
  payload?: Schema;
  /** @default the server's `jobs.defaultMaxRetries` */
  maxRetries?: number;
  /** Seconds; the signal is aborted when it passes. @default the server's `jobs.defaultTimeout` */
  timeout?: number;
  /** Roles that may submit the job (any one of them). @default [] — any signed-in caller */
  requireRole?: string[];
  description?: string;
  /** A cron expression (UTC, 5 or 6 fields); runs are submitted by the service role. */
  schedule?: string;
  /** @default true */
  enabled?: boolean;
  /**
   * What jobs with the same key do to each other: `reject` — while one is pending or running a
   * submit is refused with 409 JOB_ALREADY_ACTIVE; `queue` — one runs at a time, the others wait;
   * `supersede` — a new one cancels the older active ones. `key`: a dotted payload path (default:
   * one key for the whole job); `scope`: per submitting user (default) or global. @default allow
   */
  overlap?: JobOverlap;
  /** At most this many running jobs of this job, across all processes. @default no cap */
  concurrency?: number;
  /**
   * What starts a job of it besides a submit: named events (`"incident:created"`) and table changes
   * (`"insert app.orders"`, `"insert,update app.orders"`), as `@fluxbase:on`.
   */
  on?: string | string[];
  /** Who may start it by emitting an event. @default whoever may submit it (`requireRole`) */
  onRole?: string[];
  handler: (ctx: HandlerContext<z.output<Schema>>, payload: z.output<Schema>) => Promise<Result> | Result;
}

/** A trusted handler, as `defineJob` returns it. */
export interface JobDefinition<
  Name extends string = string,
  Input = unknown,
  Output = unknown,
  Result = unknown,
> {
  readonly kind: "handler";
  readonly name: Name;
  readonly namespace: string;
  readonly runIn: Lane;
  readonly payload: z.ZodType<Output, Input> | undefined;
  readonly maxRetries: number | undefined;
  readonly timeout: number | undefined;
  readonly requireRole: string[];
  readonly description: string | undefined;
  readonly schedule: string | undefined;
  readonly overlap: JobOverlap | undefined;
  readonly concurrency: number | undefined;
  readonly on: readonly string[];
  readonly onRole: readonly string[] | undefined;
  readonly enabled: boolean;
  readonly handler: (ctx: HandlerContext<Output>, payload: Output) => Promise<Result> | Result;
  /** `file:line` of the defineJob call, for error messages. */
  readonly definedAt: string;
  /** Phantom: the payload a submitter passes. */
  readonly __input?: Input;
}

export type AnyJobDefinition = JobDefinition<string, any, any, any>;

/** The payload `enqueue(name, ...)` accepts for the definition named `Name` in `Jobs`. */
export type PayloadOf<Jobs extends readonly AnyJobDefinition[], Name extends Jobs[number]["name"]> = Exclude<
  Extract<Jobs[number], { name: Name }>["__input"],
  undefined
>;
