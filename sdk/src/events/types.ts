/** Shapes of `client.events`: what an emit answers and what a listed event holds. */

/** A job an event started. */
export interface EventJob {
  id: string;
  job_name: string;
  namespace: string;
  status: string;
}

/** What `client.events.emit` resolves to. */
export interface EmittedEvent {
  event: { id: string; name: string; created_at: string };
  /** One job per function listening to the event that you may start. */
  jobs: EventJob[];
  /** Listeners that started nothing because of their overlap policy (`JOB_ALREADY_ACTIVE`). */
  skipped: { job_name: string; namespace: string; code: string; existing_run_id?: string }[];
}

/** An emitted event with the jobs it started. */
export interface FluxbaseEvent {
  id: string;
  name: string;
  payload: Record<string, unknown>;
  /** `api`: emitted by a caller; `table`: a change to a table a function listens to. */
  source: "api" | "table";
  emitted_by: string | null;
  emitter_role: string | null;
  created_at: string;
  jobs: EventJob[];
}

/** Filters of `client.events.list` and `client.admin.jobs.listEvents`. */
export interface ListEventsOptions {
  name?: string;
  /** 1 to 1000. @default 50 */
  limit?: number;
  /** Only events older than this (ISO time): pass the last one's `created_at` for the next page. */
  before?: string;
}
