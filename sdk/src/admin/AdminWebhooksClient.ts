/**
 * `client.admin.webhooks`: webhook subscriptions and their deliveries, through
 * `/api/v1/admin/webhooks`. Needs the service key or an admin's token.
 */
import { segment } from "../http/buildUrl.ts";
import type { HttpClient } from "../http/HttpClient.ts";
import { type FluxbaseResponse, mapResponse } from "../response.ts";
import type { CreateWebhookInput, UpdateWebhookInput, Webhook, WebhookDelivery } from "./webhookTypes.ts";

const BASE = "/api/v1/admin/webhooks";

/** `client.admin.webhooks`: subscribe URLs to job events and see every delivery attempt. */
export class AdminWebhooksClient {
  readonly #http: HttpClient;

  /** @internal Created by `createClient`. */
  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** Every subscription, oldest first. */
  async list(): Promise<FluxbaseResponse<Webhook[]>> {
    const response = await this.#http.request<{ webhooks: Webhook[] }>("GET", BASE);
    return mapResponse(response, (body) => body.webhooks);
  }

  /** One subscription. Errors: `WEBHOOK_NOT_FOUND` (404). */
  get(id: string): Promise<FluxbaseResponse<Webhook>> {
    return this.#http.request("GET", `${BASE}/${segment(id)}`);
  }

  /** Subscribes a URL. Errors: `VALIDATION_ERROR`, `WEBHOOK_TARGET_REFUSED` (400). */
  create(input: CreateWebhookInput): Promise<FluxbaseResponse<Webhook>> {
    return this.#http.request("POST", BASE, { body: input });
  }

  /** Changes fields; `{ enabled: true }` re-enables a subscription the breaker or a 410 disabled. */
  update(id: string, patch: UpdateWebhookInput): Promise<FluxbaseResponse<Webhook>> {
    return this.#http.request("PATCH", `${BASE}/${segment(id)}`, { body: patch });
  }

  /** Re-enables a subscription and resets its failure count. */
  enable(id: string): Promise<FluxbaseResponse<Webhook>> {
    return this.update(id, { enabled: true });
  }

  /** Stops deliveries until enabled again (pending ones wait). */
  disable(id: string): Promise<FluxbaseResponse<Webhook>> {
    return this.update(id, { enabled: false });
  }

  /** Removes a subscription and its delivery records. */
  delete(id: string): Promise<FluxbaseResponse<{ id: string; deleted: true }>> {
    return this.#http.request("DELETE", `${BASE}/${segment(id)}`);
  }

  /** The subscription's deliveries, newest first, each with every attempt. */
  async deliveries(
    id: string,
    options: { limit?: number; offset?: number } = {},
  ): Promise<FluxbaseResponse<WebhookDelivery[]>> {
    const response = await this.#http.request<{ deliveries: WebhookDelivery[] }>(
      "GET",
      `${BASE}/${segment(id)}/deliveries`,
      { query: { limit: options.limit, offset: options.offset } },
    );
    return mapResponse(response, (body) => body.deliveries);
  }
}
