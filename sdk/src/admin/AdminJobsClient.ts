/**
 * `client.admin.jobs`: every user's jobs, the workers, statistics and the job functions, through
 * `/api/v1/admin/jobs`. Needs the service key or an admin's token; others get `403 ADMIN_REQUIRED`.
 * Functions are addressed as `(name, namespace = "default")` throughout.
 */
import type { FluxbaseEvent, ListEventsOptions } from "../events/types.ts";
import { segment } from "../http/buildUrl.ts";
import type { HttpClient } from "../http/HttpClient.ts";
import { listTimes, pageResponse } from "../jobs/pageResponse.ts";
import type { Job, JobPage } from "../jobs/types.ts";
import { type FluxbaseListResponse, type FluxbaseResponse, mapResponse } from "../response.ts";
import { AdminSchedulesClient } from "./AdminSchedulesClient.ts";
import type {
  AdminListJobsOptions,
  CreateJobFunctionInput,
  JobFunction,
  JobStats,
  JobTimeline,
  JobWorker,
  SyncJobsInput,
  SyncJobsResult,
  UpdateJobFunctionInput,
} from "./types.ts";

const BASE = "/api/v1/admin/jobs";

/** Which jobs `client.admin.jobs.bulk` acts on, instead of a list of ids. */
export interface BulkJobsFilter {
  status?: ("pending" | "running" | "completed" | "failed" | "cancelled")[];
  job_name?: string;
  namespace?: string;
  /** ISO 8601 times. */
  created_after?: string;
  created_before?: string;
}

export interface BulkJobsResult {
  action: "retry" | "cancel" | "delete";
  /** How many of each outcome. */
  counts: Partial<Record<"retried" | "cancelled" | "deleted" | "skipped", number>>;
  results: { id: string; outcome: "retried" | "cancelled" | "deleted" | "skipped"; reason?: string }[];
}

/** A namespace, or one function of it, to pause or resume. */
export interface QueueTarget {
  namespace: string;
  jobName?: string;
}

export interface PausedQueue {
  namespace: string;
  /** Null: the whole namespace is paused. */
  job_name: string | null;
  paused_at: string;
}

const queuePath = (target: QueueTarget) =>
  target.jobName === undefined
    ? `namespaces/${segment(target.namespace)}`
    : `functions/${segment(target.namespace)}/${segment(target.jobName)}`;

/** Which finished jobs `client.admin.jobs.purge` deletes. */
export interface PurgeJobsFilter {
  status: ("completed" | "failed" | "cancelled")[];
  /** Only jobs that finished at least this long ago: "30m", "12h", "7d" or seconds. */
  olderThan: string;
  jobName?: string;
  namespace?: string;
}

/** `client.admin.jobs`: manage all jobs, workers and job functions (admin or service role). */
export class AdminJobsClient {
  readonly #http: HttpClient;
  /** Cron schedules: create, change, pause, resume and run now. */
  readonly schedules: AdminSchedulesClient;

  /** @internal Created by `createClient`. */
  constructor(http: HttpClient) {
    this.#http = http;
    this.schedules = new AdminSchedulesClient(http);
  }

  /** All users' jobs, newest first; `data` is the page and `count` the total matching jobs. */
  async listJobs(options: AdminListJobsOptions = {}): Promise<FluxbaseListResponse<Job>> {
    const response = await this.#http.request<JobPage>("GET", `${BASE}/queue`, {
      query: {
        status: options.status,
        trigger: options.trigger,
        job_name: options.jobName,
        namespace: options.namespace,
        worker_id: options.workerId,
        created_by: options.createdBy,
        user_email: options.userEmail,
        limit: options.limit,
        offset: options.offset,
        include_result: options.includeResult,
        order: options.order,
        ...listTimes(options),
      },
    });
    return pageResponse(response);
  }

  /** Any job by id, with its `result`. Errors: `JOB_NOT_FOUND` (404). */
  getJob(id: string): Promise<FluxbaseResponse<Job>> {
    return this.#http.request("GET", `${BASE}/queue/${segment(id)}`);
  }

  /** Cancels a pending or running job; the handler sees `job.signal` abort and may finish cleanly. 409 once finished. */
  cancel(id: string): Promise<FluxbaseResponse<Job>> {
    return this.#http.request("POST", `${BASE}/queue/${segment(id)}/cancel`);
  }

  /** Cancels a job and kills its sandbox at once, without waiting for the handler. 409 once finished. */
  terminate(id: string): Promise<FluxbaseResponse<Job>> {
    return this.#http.request("POST", `${BASE}/queue/${segment(id)}/terminate`);
  }

  /** Puts a failed job back to `pending` (same id). Errors: `JOB_NOT_RETRYABLE` (409). */
  retry(id: string): Promise<FluxbaseResponse<Job>> {
    return this.#http.request("POST", `${BASE}/queue/${segment(id)}/retry`);
  }

  /** Submits a new job (new id) with the same function, payload and submitter as job `id`. */
  resubmit(id: string): Promise<FluxbaseResponse<Job>> {
    return this.#http.request("POST", `${BASE}/queue/${segment(id)}/resubmit`);
  }

  /**
   * Stops claims of a namespace's jobs (or of one function's, with `jobName`); submits are still
   * accepted and wait. The state is kept in the database: it survives restarts and reloads.
   */
  pause(target: QueueTarget): Promise<FluxbaseResponse<PausedQueue & { paused: true }>> {
    return this.#http.request("POST", `${BASE}/${queuePath(target)}/pause`);
  }

  /** Lets a paused namespace's (or function's) jobs run again; `was_paused` says whether it was. */
  resume(
    target: QueueTarget,
  ): Promise<
    FluxbaseResponse<{ namespace: string; job_name: string | null; paused: false; was_paused: boolean }>
  > {
    return this.#http.request("POST", `${BASE}/${queuePath(target)}/resume`);
  }

  /** What is paused: whole namespaces (`job_name: null`) and single functions. */
  async listPaused(): Promise<FluxbaseResponse<PausedQueue[]>> {
    const response = await this.#http.request<{ paused: PausedQueue[] }>("GET", `${BASE}/paused`);
    return mapResponse(response, (body) => body.paused);
  }

  /**
   * One action on many jobs: the listed `ids`, or (at most 10,000) jobs a `filter` matches. Each id
   * gets an outcome (`retried`, `cancelled`, `deleted`, or `skipped` with the reason); running jobs
   * are never deleted. Errors: `VALIDATION_ERROR` (400).
   */
  bulk(
    action: "retry" | "cancel" | "delete",
    target: { ids: string[] } | { filter: BulkJobsFilter },
  ): Promise<FluxbaseResponse<BulkJobsResult>> {
    return this.#http.request("POST", `${BASE}/queue/bulk`, { body: { action, ...target } });
  }

  /** Counts per status, mean run time and the same per function; all namespaces unless one is given. */
  /**
   * Deletes finished jobs (and their logs) matching the filter; `data.deleted` is how many.
   * Errors: `VALIDATION_ERROR` (400) for a status other than completed/failed/cancelled or a bad age.
   */
  purge(filter: PurgeJobsFilter): Promise<FluxbaseResponse<{ deleted: number }>> {
    return this.#http.request("DELETE", `${BASE}/queue`, {
      query: {
        status: filter.status.join(","),
        older_than: filter.olderThan,
        job_name: filter.jobName,
        namespace: filter.namespace,
      },
    });
  }

  getStats(namespace?: string): Promise<FluxbaseResponse<JobStats>> {
    return this.#http.request("GET", `${BASE}/stats`, { query: { namespace } });
  }

  /** The registered workers, newest first; `data` is the array. */
  /**
   * Jobs that ended per minute over the last hour (`range: "hour"`) or per hour over the last day,
   * and how long the oldest due job has waited.
   */
  getTimeline(
    options: { range?: "hour" | "day"; namespace?: string } = {},
  ): Promise<FluxbaseResponse<JobTimeline>> {
    return this.#http.request("GET", `${BASE}/stats/timeline`, { query: options });
  }

  async listWorkers(): Promise<FluxbaseResponse<JobWorker[]>> {
    const response = await this.#http.request<{ workers: JobWorker[] }>("GET", `${BASE}/workers`);
    return mapResponse(response, (body) => body.workers);
  }

  /** Everyone's emitted events, newest first, each with the jobs it started. */
  async listEvents(options: ListEventsOptions = {}): Promise<FluxbaseResponse<FluxbaseEvent[]>> {
    const response = await this.#http.request<{ events: FluxbaseEvent[] }>("GET", `${BASE}/events`, {
      query: { name: options.name, limit: options.limit, before: options.before },
    });
    return mapResponse(response, (body) => body.events);
  }

  /** Every namespace that has functions or jobs; `data` is the array of names. */
  async listNamespaces(): Promise<FluxbaseResponse<string[]>> {
    const response = await this.#http.request<{ namespaces: string[] }>("GET", `${BASE}/namespaces`);
    return mapResponse(response, (body) => body.namespaces);
  }

  /** The job functions, of one namespace or of all; `data` is the array. */
  async list(namespace?: string): Promise<FluxbaseResponse<JobFunction[]>> {
    const response = await this.#http.request<{ functions: JobFunction[] }>("GET", `${BASE}/functions`, {
      query: { namespace },
    });
    return mapResponse(response, (body) => body.functions);
  }

  /** One job function with its source. Errors: `FUNCTION_NOT_FOUND` (404). */
  get(name: string, namespace = "default"): Promise<FluxbaseResponse<JobFunction>> {
    return this.#http.request("GET", functionPath(name, namespace));
  }

  /**
   * Uploads a new job function; the server bundles it and reads its `@fluxbase:` annotations
   * (explicit fields win). Errors: `VALIDATION_ERROR` (400), `FUNCTION_EXISTS` (409).
   * @example
   * await client.admin.jobs.create({ name: "process-data", code, enabled: true });
   */
  create(input: CreateJobFunctionInput): Promise<FluxbaseResponse<JobFunction>> {
    return this.#http.request("POST", `${BASE}/functions`, { body: input });
  }

  /** Changes the code or settings of a job function. Errors: `FUNCTION_NOT_FOUND` (404). */
  update(
    name: string,
    changes: UpdateJobFunctionInput,
    namespace = "default",
  ): Promise<FluxbaseResponse<JobFunction>> {
    return this.#http.request("PUT", functionPath(name, namespace), { body: changes });
  }

  /** Deletes a job function (its past jobs stay). `data` is `null`. Errors: `FUNCTION_NOT_FOUND` (404). */
  async delete(name: string, namespace = "default"): Promise<FluxbaseResponse<null>> {
    const response = await this.#http.request<unknown>("DELETE", functionPath(name, namespace));
    return mapResponse(response, () => null);
  }

  /**
   * Makes a namespace hold exactly the given functions (creating, updating and, with
   * `options.delete_missing`, deleting); `options.dry_run` only reports. Without `jobs` the server
   * re-reads its own jobs folder.
   * @example
   * const { data } = await client.admin.jobs.sync({ namespace: "default", jobs: [{ name: "hello", code }] });
   * console.log(data?.summary.created);
   */
  sync(input: SyncJobsInput): Promise<FluxbaseResponse<SyncJobsResult>> {
    const body = { ...input, options: { delete_missing: false, dry_run: false, ...input.options } };
    return this.#http.request("POST", `${BASE}/sync`, { body });
  }
}

function functionPath(name: string, namespace: string): string {
  return `${BASE}/functions/${segment(namespace)}/${segment(name)}`;
}
