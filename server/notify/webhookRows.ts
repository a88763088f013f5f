/** Webhook subscriptions: the SQL behind the admin API, run as the caller so RLS keeps users out. */
import type { Tx } from "../db/createSql.ts";

export const webhookEvents = ["job.started", "job.completed", "job.failed", "job.cancelled"] as const;
export type WebhookEvent = (typeof webhookEvents)[number];

export interface WebhookRow {
  id: string;
  url: string;
  events: WebhookEvent[];
  namespace: string | null;
  job_name: string | null;
  enabled: boolean;
  description: string;
  consecutive_failures: number;
  disabled_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface WebhookInput {
  url: string;
  events: WebhookEvent[];
  namespace?: string | null;
  job_name?: string | null;
  enabled: boolean;
  description: string;
}

const columns = [
  "id",
  "url",
  "events",
  "namespace",
  "job_name",
  "enabled",
  "description",
  "consecutive_failures",
  "disabled_reason",
  "created_at",
  "updated_at",
] as const;

export function listWebhooks(tx: Tx): Promise<WebhookRow[]> {
  return tx<WebhookRow[]>`select ${tx(columns)} from jobs.webhooks order by created_at`;
}

export async function findWebhook(tx: Tx, id: string): Promise<WebhookRow | undefined> {
  const [row] = await tx<WebhookRow[]>`select ${tx(columns)} from jobs.webhooks where id = ${id}`;
  return row;
}

export async function insertWebhook(tx: Tx, input: WebhookInput): Promise<WebhookRow> {
  const [row] = await tx<WebhookRow[]>`
    insert into jobs.webhooks (url, events, namespace, job_name, enabled, description)
    values (${input.url}, ${input.events}, ${input.namespace ?? null}, ${input.job_name ?? null},
      ${input.enabled}, ${input.description})
    returning ${tx(columns)}`;
  return row!;
}

/** Re-enabling resets the breaker: the admin says the receiver is back. */
export async function updateWebhook(
  tx: Tx,
  id: string,
  patch: Partial<WebhookInput>,
): Promise<WebhookRow | undefined> {
  const set: Record<string, unknown> = { ...patch, updated_at: new Date() };
  if (patch.enabled === true) Object.assign(set, { consecutive_failures: 0, disabled_reason: null });
  const [row] = await tx<WebhookRow[]>`
    update jobs.webhooks set ${tx(set, Object.keys(set) as never)} where id = ${id} returning ${tx(columns)}`;
  return row;
}

export async function deleteWebhook(tx: Tx, id: string): Promise<boolean> {
  const rows = await tx`delete from jobs.webhooks where id = ${id} returning id`;
  return rows.length > 0;
}
