/** `client.events`: named events that start the job functions listening to them. */
import type { HttpClient } from "../http/HttpClient.ts";
import { type FluxbaseResponse, mapResponse } from "../response.ts";
import type { EmittedEvent, FluxbaseEvent, ListEventsOptions } from "./types.ts";

export class EventsClient {
  readonly #http: HttpClient;

  /** @internal Created by `createClient`. */
  constructor(http: HttpClient) {
    this.#http = http;
  }

  /**
   * Emits `name` as you: every function listening to it (`@fluxbase:on <name>`) that your role may
   * start (`@fluxbase:on-role`, else its `require-role`) gets one job with `payload`, owned by you.
   * The event and its jobs are written together or not at all. Errors: `INVALID_EVENT_NAME` (400),
   * `EVENT_FORBIDDEN` (403: listeners exist but your role may start none), `VALIDATION_ERROR` (400).
   * @example
   * const { data, error } = await client.events.emit("incident:created", { id: 42 });
   * console.log(data?.jobs.map((job) => job.job_name));
   */
  emit(name: string, payload: Record<string, unknown> = {}): Promise<FluxbaseResponse<EmittedEvent>> {
    return this.#http.request("POST", "/api/v1/events", { body: { name, payload } });
  }

  /** The events you emitted, newest first, each with the jobs it started. */
  async list(options: ListEventsOptions = {}): Promise<FluxbaseResponse<FluxbaseEvent[]>> {
    const res = await this.#http.request<{ events: FluxbaseEvent[] }>("GET", "/api/v1/events", {
      query: { name: options.name, limit: options.limit, before: options.before },
    });
    return mapResponse(res, (body) => body.events);
  }
}
