/**
 * `client.admin.jobs.schedules`: schedules as data, through `/api/v1/admin/jobs/schedules`. Needs
 * the service key or an admin's token; others get `403 ADMIN_REQUIRED`.
 */
import { segment } from "../http/buildUrl.ts";
import type { HttpClient } from "../http/HttpClient.ts";
import type { Job } from "../jobs/types.ts";
import { type FluxbaseResponse, mapResponse } from "../response.ts";
import type {
  CreateScheduleInput,
  ListSchedulesOptions,
  Schedule,
  UpdateScheduleInput,
} from "./scheduleTypes.ts";

const BASE = "/api/v1/admin/jobs/schedules";

/** `client.admin.jobs.schedules`: create, change, pause, resume and run cron schedules. */
export class AdminSchedulesClient {
  readonly #http: HttpClient;

  /** @internal Created by `createClient`. */
  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** Every schedule (API-created and from annotations), by namespace and name. */
  async list(options: ListSchedulesOptions = {}): Promise<FluxbaseResponse<Schedule[]>> {
    const response = await this.#http.request<{ schedules: Schedule[] }>("GET", BASE, {
      query: { namespace: options.namespace, job_name: options.jobName, source: options.source },
    });
    return mapResponse(response, (body) => body.schedules);
  }

  /**
   * Creates a schedule. Errors: `INVALID_CRON` and `INVALID_TIMEZONE` (400, with the reason),
   * `FUNCTION_NOT_FOUND` (404), `SCHEDULE_EXISTS` (409).
   * @example
   * await client.admin.jobs.schedules.create({
   *   name: "nightly-report", job_name: "report", cron: "0 2 * * *", timezone: "Europe/Paris",
   *   payload: { format: "pdf" },
   * });
   */
  create(input: CreateScheduleInput): Promise<FluxbaseResponse<Schedule>> {
    return this.#http.request("POST", BASE, { body: input });
  }

  /** One schedule. Errors: `SCHEDULE_NOT_FOUND` (404). */
  get(id: string): Promise<FluxbaseResponse<Schedule>> {
    return this.#http.request("GET", `${BASE}/${segment(id)}`);
  }

  /** Changes a schedule; a new cron, time zone or `enabled` recomputes `next_run_at`. */
  update(id: string, changes: UpdateScheduleInput): Promise<FluxbaseResponse<Schedule>> {
    return this.#http.request("PATCH", `${BASE}/${segment(id)}`, { body: changes });
  }

  /** Deletes an API-created schedule (its past jobs stay). Annotation schedules: 409 `SCHEDULE_FROM_ANNOTATION`. */
  delete(id: string): Promise<FluxbaseResponse<{ id: string; deleted: true }>> {
    return this.#http.request("DELETE", `${BASE}/${segment(id)}`);
  }

  /**
   * Runs the schedule now, paused or not; `data` is the new job. With `overlap: "skip"` a run still
   * pending or running makes it 409 `SCHEDULE_RUN_ACTIVE` (with `existing_run_id`).
   */
  trigger(id: string): Promise<FluxbaseResponse<Job>> {
    return this.#http.request("POST", `${BASE}/${segment(id)}/trigger`);
  }

  /** Stops firing (kept across reloads and restarts, also for annotation schedules). */
  pause(id: string): Promise<FluxbaseResponse<Schedule>> {
    return this.#http.request("POST", `${BASE}/${segment(id)}/pause`);
  }

  /** Fires again from the next fire time after now (missed ones are not run). */
  resume(id: string): Promise<FluxbaseResponse<Schedule>> {
    return this.#http.request("POST", `${BASE}/${segment(id)}/resume`);
  }
}
