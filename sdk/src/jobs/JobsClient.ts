/** `client.jobs`: submit and follow your own jobs through `/api/v1/jobs` (RLS shows you only yours). */
import { segment } from "../http/buildUrl.ts";
import type { HttpClient } from "../http/HttpClient.ts";
import type { FluxbaseRealtime } from "../realtime/FluxbaseRealtime.ts";
import { type FluxbaseListResponse, type FluxbaseResponse, mapResponse } from "../response.ts";
import { listTimes, pageResponse } from "./pageResponse.ts";
import type { Job, JobAttempt, JobLogLine, JobPage, ListJobsOptions, SubmitJobOptions } from "./types.ts";
import { type WaitForJobOptions, waitForJob } from "./waitForJob.ts";

/** `client.jobs`: submit, list, follow, cancel and retry background jobs as the current user. */
export class JobsClient {
  readonly #http: HttpClient;
  readonly #realtime: () => FluxbaseRealtime;

  /** @internal Created by `createClient`. */
  constructor(http: HttpClient, realtime: () => FluxbaseRealtime) {
    this.#http = http;
    this.#realtime = realtime;
  }

  /**
   * Queues a run of the job function `jobName`; resolves to the new `pending` job.
   * Errors: `FUNCTION_NOT_FOUND` (404), `ROLE_REQUIRED` (403, with `context.required_roles`),
   * `VALIDATION_ERROR` (400), `PAYLOAD_TOO_LARGE` (413), `JOB_ALREADY_ACTIVE` (409, with
   * `context.existing_run_id`, on a function with `overlap: reject`).
   *
   * @param jobName Name of the job function.
   * @param payload JSON object the handler receives as `job.getJobPayload()`. @default {}
   * @example
   * const { data: job, error } = await client.jobs.submit("process-data", { items: [1, 2, 3] });
   */
  submit<TPayload extends object = Record<string, any>>(
    jobName: string,
    payload?: TPayload,
    options: SubmitJobOptions = {},
  ): Promise<FluxbaseResponse<Job<TPayload>>> {
    const scheduledAt =
      options.scheduledAt instanceof Date ? options.scheduledAt.toISOString() : options.scheduledAt;
    const body = {
      job_name: jobName,
      namespace: options.namespace,
      payload,
      priority: options.priority,
      scheduled_at: scheduledAt,
      delay_seconds: options.delaySeconds,
      max_retries: options.maxRetries,
      timeout: options.timeout,
      backoff: options.backoff && { base_ms: options.backoff.baseMs, max_ms: options.backoff.maxMs },
      on_behalf_of: options.onBehalfOf,
      notify: options.notify,
      dedupe_key: options.dedupeKey,
      dedupe: options.dedupe,
    };
    const headers: Record<string, string> = {};
    if (options.idempotencyKey !== undefined) headers["Idempotency-Key"] = options.idempotencyKey;
    return this.#http.request("POST", "/api/v1/jobs/submit", { body, headers });
  }

  /** One of your jobs by id, with its `result`. Errors: `JOB_NOT_FOUND` (404, also for other users' jobs). */
  get(id: string): Promise<FluxbaseResponse<Job>> {
    return this.#http.request("GET", `/api/v1/jobs/${segment(id)}`);
  }

  /**
   * Your jobs, newest first. `data` is the page; `count` the total matching jobs (for paging).
   * @example
   * const { data: jobs, count } = await client.jobs.list({ status: "running", limit: 20 });
   */
  async list(options: ListJobsOptions = {}): Promise<FluxbaseListResponse<Job>> {
    const response = await this.#http.request<JobPage>("GET", "/api/v1/jobs", {
      query: {
        status: options.status,
        trigger: options.trigger,
        job_name: options.jobName,
        namespace: options.namespace,
        limit: options.limit,
        offset: options.offset,
        include_result: options.includeResult,
        order: options.order,
        ...listTimes(options),
      },
    });
    return pageResponse(response);
  }

  /**
   * Cancels a `pending` or `running` job; resolves to the job, now `cancelled` (a running handler sees
   * `job.signal` abort). Errors: `JOB_NOT_FOUND` (404), `JOB_NOT_CANCELLABLE` (409) once it finished.
   */
  cancel(id: string): Promise<FluxbaseResponse<Job>> {
    return this.#http.request("POST", `/api/v1/jobs/${segment(id)}/cancel`);
  }

  /**
   * Puts a `failed` job back to `pending`; resolves to the same job (same id).
   * Errors: `JOB_NOT_FOUND` (404), `JOB_NOT_RETRYABLE` (409) when the job has not failed.
   */
  retry(id: string): Promise<FluxbaseResponse<Job>> {
    return this.#http.request("POST", `/api/v1/jobs/${segment(id)}/retry`);
  }

  /**
   * The lines a job printed, oldest first; `data` is the array.
   * @param afterLine Only lines with a greater `line_number` (for tailing). @default 0
   */
  async getLogs(id: string, afterLine?: number): Promise<FluxbaseResponse<JobLogLine[]>> {
    const response = await this.#http.request<{ logs: JobLogLine[]; count: number }>(
      "GET",
      `/api/v1/jobs/${segment(id)}/logs`,
      { query: { after_line: afterLine } },
    );
    return mapResponse(response, (body) => body.logs);
  }

  /**
   * Every attempt of one of your jobs, oldest first: when it started and ended, on which worker,
   * its outcome (`completed`, `failed`, `retry`, `cancelled`, `released`, `recovered`; null while
   * running) and error. Errors: `JOB_NOT_FOUND` (404, also for other users' jobs).
   */
  async getAttempts(id: string): Promise<FluxbaseResponse<JobAttempt[]>> {
    const response = await this.#http.request<{ attempts: JobAttempt[] }>(
      "GET",
      `/api/v1/jobs/${segment(id)}/attempts`,
    );
    return mapResponse(response, (body) => body.attempts);
  }

  /**
   * Resolves once the job is `completed`, `failed` or `cancelled`, with that final job.
   * Listens on realtime for instant updates and polls as a backstop (or alone, when realtime is not
   * available). Errors: `TIMEOUT` when `timeoutMs` passes first, `ABORTED` when `signal` aborts,
   * `JOB_NOT_FOUND` and other 4xx answers at once; network errors and 5xx are retried until the timeout.
   *
   * @example
   * const { data: done } = await client.jobs.waitFor(job.id, {
   *   onProgress: (p) => console.log(`${p.percent}% ${p.message ?? ""}`),
   * });
   */
  waitFor(id: string, options: WaitForJobOptions = {}): Promise<FluxbaseResponse<Job>> {
    return waitForJob(id, options, { get: (jobId) => this.get(jobId), realtime: this.#realtime });
  }
}
