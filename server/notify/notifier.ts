/**
 * Drains the notifications outbox in every process that runs workers: claims due rows with a
 * lease, delivers them concurrently (mail or webhook), and records each attempt. It shares no
 * connection or timer with job execution, so a slow receiver or SMTP server never delays a job;
 * failures are logged and retried, never thrown into the worker loop.
 */
import type { NotifyConfig } from "../config/types.ts";
import type { Sql } from "../db/createSql.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { type ClaimedNotification, claimNotifications } from "./claimNotifications.ts";
import { deliverWebhook, type WebhookAttempt } from "./deliverWebhook.ts";
import { finishNotification, skipNotification } from "./finishNotification.ts";
import type { Mailer } from "./mailer.ts";
import { type JobSnapshot, renderJobMail } from "./renderJobMail.ts";
import { webhookBody } from "./webhookBody.ts";
import type { WebhookKeys } from "./webhookKeys.ts";

const BATCH = 32;
const MAX_BACKOFF_MS = 10 * 60_000;

export interface NotifierInput {
  sql: Sql;
  config: NotifyConfig;
  keys: WebhookKeys;
  /** Undefined without FLUXBASE_SMTP_URL: mail rows then fail at once with that reason. */
  mailer?: Mailer;
  /** Where a mail's link to the job points. */
  adminUrl: string;
  pollInterval: number;
  logger: Logger;
  /** Delivery outcomes are counted here when given. */
  metrics?: Metrics;
}

export interface Notifier {
  start(): void;
  stop(): Promise<void>;
}

export function createNotifier(input: NotifierInput): Notifier {
  const { sql, config, logger } = input;
  // A dead process's lease must outlast the slowest attempt, or a live one would be delivered twice.
  const leaseMs = config.webhookTimeout * 3 + 5_000;
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;

  async function drainOnce(): Promise<number> {
    const claimed = await claimNotifications(sql, BATCH, leaseMs);
    await Promise.all(
      claimed.map((row) =>
        deliver(row).catch((error) =>
          logger.warn("notification not recorded", { id: row.id, error: (error as Error).message }),
        ),
      ),
    );
    return claimed.length;
  }

  async function deliver(row: ClaimedNotification): Promise<void> {
    if (row.channel === "webhook") return record(row, await sendWebhook(row));
    const recipients = mailRecipients(row);
    if (recipients.length === 0) return skipNotification(sql, row.id, "no alert address for this outcome");
    if (!input.mailer) return record(row, { error: "FLUXBASE_SMTP_URL is not set", durationMs: 0 }, false);
    const started = performance.now();
    const mail = renderJobMail(row.event, row.job as unknown as JobSnapshot, input.adminUrl);
    try {
      await input.mailer.send(recipients, mail);
      await record(row, { durationMs: Math.round(performance.now() - started) });
    } catch (error) {
      await record(row, {
        error: (error as Error).message,
        durationMs: Math.round(performance.now() - started),
      });
    }
  }

  function sendWebhook(row: ClaimedNotification): Promise<WebhookAttempt> {
    return deliverWebhook({
      url: row.url!,
      id: row.id,
      body: webhookBody(row.id, row.event, row.created_at, row.job),
      sign: input.keys.sign,
      timeoutMs: config.webhookTimeout,
      allowPrivate: config.webhookAllowPrivate,
    });
  }

  function mailRecipients(row: ClaimedNotification): string[] {
    if (row.mail_kind === "notify") return row.recipient ? [row.recipient] : [];
    if (config.alertOn === "failed" && row.event !== "job.failed") return [];
    return config.alertEmail;
  }

  async function record(row: ClaimedNotification, attempt: WebhookAttempt, retryable = true): Promise<void> {
    const ok = attempt.error === undefined;
    const gone = attempt.statusCode === 410;
    const canRetry =
      retryable && !gone && !attempt.error?.startsWith("refused:") && row.attempts < config.maxAttempts;
    const retryInMs = canRetry
      ? Math.min(config.retryBase * 2 ** (row.attempts - 1), MAX_BACKOFF_MS)
      : undefined;
    if (!ok)
      logger.warn("notification attempt failed", {
        id: row.id,
        channel: row.channel,
        attempt: row.attempts,
        error: attempt.error,
      });
    input.metrics?.delivery(
      row.channel === "webhook" ? "webhook" : "email",
      ok ? "delivered" : retryInMs !== undefined ? "retry" : "failed",
    );
    await finishNotification(sql, {
      id: row.id,
      webhookId: row.webhook_id,
      attempt: row.attempts,
      ok,
      statusCode: attempt.statusCode,
      error: attempt.error,
      durationMs: attempt.durationMs,
      retryInMs,
    });
  }

  async function run(): Promise<void> {
    while (running) {
      let claimed = 0;
      try {
        claimed = await drainOnce();
      } catch (error) {
        logger.warn("notifications outbox not drained", { error: (error as Error).message });
      }
      if (claimed === BATCH) continue;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, input.pollInterval);
      });
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      wake?.();
      await loop;
      input.mailer?.close();
    },
  };
}
