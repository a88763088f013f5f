/** `client.admin`: operator APIs (service key or an admin's token). */
import type { HttpClient } from "../http/HttpClient.ts";
import { AdminJobsClient } from "./AdminJobsClient.ts";
import { AdminKeysClient } from "./AdminKeysClient.ts";
import { AdminStorageClient } from "./AdminStorageClient.ts";
import { AdminTogglesClient } from "./AdminTogglesClient.ts";
import { AdminWebhooksClient } from "./AdminWebhooksClient.ts";

/** `client.admin`: operator APIs. */
export class AdminClient {
  /** All jobs, workers, statistics and job functions. */
  readonly jobs: AdminJobsClient;
  /** Webhook subscriptions and their deliveries. */
  readonly webhooks: AdminWebhooksClient;
  /** Feature toggles: platform values, rollouts, per-tenant overrides and their history. */
  readonly toggles: AdminTogglesClient;
  /** API keys for programs, scoped to jobs:read / jobs:write and optionally a namespace. */
  readonly keys: AdminKeysClient;
  /** What the storage buckets hold (objects and bytes). */
  readonly storage: AdminStorageClient;

  /** @internal Created by `createClient`. */
  constructor(http: HttpClient) {
    this.jobs = new AdminJobsClient(http);
    this.webhooks = new AdminWebhooksClient(http);
    this.toggles = new AdminTogglesClient(http);
    this.keys = new AdminKeysClient(http);
    this.storage = new AdminStorageClient(http);
  }
}
