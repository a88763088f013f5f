/**
 * Types for job authors. A job file exports `handler(req, fluxbase, fluxbaseService, job)`; the sandbox
 * calls it with two SDK clients and a {@link JobUtils}.
 */
import type { FluxbaseClient } from "./FluxbaseClient.ts";

/** The user a job runs for (who submitted it, or on whose behalf it was submitted). */
export interface JobUser {
  id: string;
  email: string | null;
  role: string;
}

/** What `job.getJobContext()` returns. */
export interface JobContext<TPayload = any> {
  job_id: string;
  job_name: string;
  namespace: string;
  /** 0 on the first run, then 1, 2, ... after each retry. */
  retry_count: number;
  /** The payload given at submit time. */
  payload: TPayload;
  /** `null` when no user submitted the job (service role, schedule). */
  user: JobUser | null;
}

/** The `job` argument of a handler: progress, context and cancellation. */
export interface JobUtils {
  /**
   * Reports progress (0–100) with an optional message and custom data; shown to subscribers in real
   * time. Reporting also keeps the job alive under `progress_timeout_seconds`.
   */
  reportProgress(percent: number, message?: string, data?: Record<string, any>): void;
  /** Whether the job was cancelled; stop work and return soon when it was. */
  isCancelled(): boolean | Promise<boolean>;
  /** Same as `isCancelled()`, synchronously (the sandbox keeps the flag current). */
  checkCancellation(): boolean;
  /** Who and what this run is about. */
  getJobContext(): JobContext;
  /** The payload given at submit time (same as `getJobContext().payload`). */
  getJobPayload<T = any>(): T;
  /** Aborts when the job is cancelled or times out; pass it to `fetch` and other abortable work. */
  readonly signal: AbortSignal;
  /** Feature toggles for the job's tenant (the submitter's); no `allow-net` needed. */
  readonly toggles: JobToggles;
  /** Named events, emitted as the job's submitter (the service role for a job no user submitted). */
  readonly events: JobEvents;
  /** Chat and embeddings through the server's AI providers; the server makes the call (no `allow-net`). */
  readonly ai: JobAi;
}

/** A message of `job.ai.chat`. */
export interface JobAiMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** `job.ai`: calls the server makes to its configured AI providers on the job's behalf. */
export interface JobAi {
  /**
   * A chat completion, within the run's token budget. Throws with the server's `code`
   * (`AI_NOT_CONFIGURED`, `AI_BUDGET_EXCEEDED`, `AI_RATE_LIMITED`, `AI_PROVIDER_ERROR`, ...).
   * @example
   * const { content } = await job.ai.chat({ messages: [{ role: "user", content: "Summarise: ..." }], maxTokens: 200 });
   */
  chat(input: {
    messages: JobAiMessage[];
    provider?: string;
    model?: string;
    maxTokens?: number;
    temperature?: number;
  }): Promise<{
    content: string;
    model: string;
    finish_reason: string | null;
    usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  }>;
  /** An embedding of `text`. */
  embed(input: { text: string; provider?: string }): Promise<{ embedding: number[]; model: string }>;
  /** The configured providers (never their addresses or keys) and the default one. */
  listProviders(): Promise<{
    providers: { name: string; type: "openai"; model: string; embedding_model: string; enabled: boolean }[];
    default: string | null;
  }>;
}

/** `job.events`: emit a named event from inside a job; no `allow-net` needed. */
export interface JobEvents {
  /**
   * Emits `name`: every function listening to it (`@fluxbase:on <name>`) that the submitter may
   * start gets one job with `payload`. Resolves to the event's id and the jobs it started; throws
   * with the server's `code` (e.g. `EVENT_FORBIDDEN`) when refused.
   * @example
   * await job.events.emit("report:ready", { report_id: id });
   */
  emit(
    name: string,
    payload?: Record<string, unknown>,
  ): Promise<{ event: { id: string; name: string }; jobs: { id: string; job_name: string }[] }>;
}

/** `job.toggles`: feature toggles as the server sees them for the job's tenant. */
export interface JobToggles {
  /**
   * Whether the toggle is on for the job's tenant: the tenant's override, else the platform value,
   * or the tenant falls in the rollout. Throws for an unknown toggle (code `TOGGLE_NOT_FOUND`).
   * @example
   * if (await job.toggles.isOn("new-billing")) return newBilling(payload);
   */
  isOn(id: string): Promise<boolean>;
}

/**
 * The `secrets` global a job reads its secrets through (declared by `@fluxbase/sdk/job`). Values
 * printed by mistake appear as `***` in the job's logs.
 */
export interface JobSecrets {
  /** The user's value, else the system value, else `undefined`. */
  get(name: string): string | undefined;
  /** Like `get`, but throws `Secret "<name>" is required but is not set`. */
  getRequired(name: string): string;
  /** Only the value the job's user stored. */
  getUser(name: string): string | undefined;
  /** Only the system value (set with the service key). */
  getSystem(name: string): string | undefined;
}

/**
 * The `handler` a job file exports. `fluxbase` acts as the job's user (RLS applies); when no user
 * submitted the job (service role, schedule) it acts as `anon`. `fluxbaseService` has the service role
 * (bypasses RLS). Both carry tokens that stop working when the run ends.
 * The return value (JSON) becomes the job's `result`; a throw fails the job.
 */
export type JobHandler<TResult = unknown> = (
  req: Request,
  fluxbase: FluxbaseClient,
  fluxbaseService: FluxbaseClient,
  job: JobUtils,
) => TResult | Promise<TResult>;
