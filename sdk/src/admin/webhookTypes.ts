/** Wire shapes of `/api/v1/admin/webhooks`, as the server sends them. */

/** What a subscription is told about. */
export type WebhookEvent = "job.started" | "job.completed" | "job.failed" | "job.cancelled";

/** A webhook subscription. */
export interface Webhook {
  id: string;
  url: string;
  events: WebhookEvent[];
  /** Only jobs of this namespace; `null` for all. */
  namespace: string | null;
  /** Only jobs of this function; `null` for all. */
  job_name: string | null;
  /** False after a 410 or the breaker (five failed attempts in a row); set it to true again to resume. */
  enabled: boolean;
  description: string;
  consecutive_failures: number;
  /** Why the server disabled it, when it did. */
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

/** Input of `client.admin.webhooks.create`. */
export interface CreateWebhookInput {
  /** http(s) URL; loopback and private addresses need FLUXBASE_WEBHOOK_ALLOW_PRIVATE on the server. */
  url: string;
  events: WebhookEvent[];
  namespace?: string | null;
  job_name?: string | null;
  /** @default true */
  enabled?: boolean;
  /** @default "" */
  description?: string;
}

/** Input of `client.admin.webhooks.update`: any subset of the fields. */
export type UpdateWebhookInput = Partial<CreateWebhookInput>;

/** One attempt of a delivery. */
export interface WebhookAttempt {
  attempt: number;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  /** When the next attempt is due, if one is. */
  next_retry_at: string | null;
  attempted_at: string;
}

/** One event sent (or being sent) to a subscription; `id` is the `X-Webhook-Id` header. */
export interface WebhookDelivery {
  id: string;
  event: WebhookEvent;
  job_id: string;
  state: "pending" | "delivered" | "failed" | "skipped";
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  finished_at: string | null;
  attempt_log: WebhookAttempt[];
}
