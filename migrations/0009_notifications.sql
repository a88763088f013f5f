-- Notifications: webhook subscriptions, and an outbox written by a trigger in the same transaction
-- as every status change of a job, whichever code path makes it (finish, cancel, timeout, recovery,
-- an admin's UPDATE). Workers drain the outbox; a delivery never touches the job it reports on.

ALTER TABLE jobs.queue ADD COLUMN notify boolean NOT NULL DEFAULT false;

CREATE TABLE jobs.webhooks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  url text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2048),
  events text[] NOT NULL CHECK (
    cardinality(events) > 0
    AND events <@ ARRAY['job.started', 'job.completed', 'job.failed', 'job.cancelled']),
  namespace text,
  job_name text,
  enabled boolean NOT NULL DEFAULT true,
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
  consecutive_failures integer NOT NULL DEFAULT 0,
  disabled_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per message to send: a webhook delivery or a mail. `id` is the X-Webhook-Id, stable
-- across retries and across a server that dies mid-delivery (the lease expires, another takes it).
CREATE TABLE jobs.notifications (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  channel text NOT NULL CHECK (channel IN ('webhook', 'mail')),
  webhook_id uuid REFERENCES jobs.webhooks (id) ON DELETE CASCADE,
  mail_kind text CHECK (mail_kind IN ('notify', 'alert')),
  recipient text,
  event text NOT NULL,
  job_id uuid NOT NULL,
  job jsonb NOT NULL,                          -- the job as it was when the event happened
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed', 'skipped')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz,
  last_status_code integer,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  CHECK ((channel = 'webhook') = (webhook_id IS NOT NULL))
);

CREATE TABLE jobs.notification_attempts (
  id bigserial PRIMARY KEY,
  notification_id uuid NOT NULL REFERENCES jobs.notifications (id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  status_code integer,
  duration_ms integer NOT NULL,
  error text,
  next_retry_at timestamptz,
  attempted_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX notifications_due_idx ON jobs.notifications (next_attempt_at) WHERE state = 'pending';
CREATE INDEX notifications_webhook_idx ON jobs.notifications (webhook_id, created_at DESC);
CREATE INDEX notification_attempts_idx ON jobs.notification_attempts (notification_id, attempt);

ALTER TABLE jobs.webhooks ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs.webhooks FORCE ROW LEVEL SECURITY;
ALTER TABLE jobs.notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs.notifications FORCE ROW LEVEL SECURITY;
ALTER TABLE jobs.notification_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs.notification_attempts FORCE ROW LEVEL SECURITY;

GRANT SELECT, INSERT, UPDATE, DELETE ON jobs.webhooks, jobs.notifications, jobs.notification_attempts
  TO service_role;
GRANT USAGE ON SEQUENCE jobs.notification_attempts_id_seq TO service_role;
-- Admins manage subscriptions and read deliveries through the API; users see none of it.
GRANT SELECT, INSERT, UPDATE, DELETE ON jobs.webhooks TO authenticated;
GRANT SELECT ON jobs.notifications, jobs.notification_attempts TO authenticated;

CREATE POLICY "Admins can manage webhooks" ON jobs.webhooks
  FOR ALL TO authenticated USING (auth.is_admin()) WITH CHECK (auth.is_admin());
CREATE POLICY "Service role can manage webhooks" ON jobs.webhooks
  FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Admins can read notifications" ON jobs.notifications
  FOR SELECT TO authenticated USING (auth.is_admin());
CREATE POLICY "Service role can manage notifications" ON jobs.notifications
  FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Admins can read notification attempts" ON jobs.notification_attempts
  FOR SELECT TO authenticated USING (auth.is_admin());
CREATE POLICY "Service role can manage notification attempts" ON jobs.notification_attempts
  FOR ALL TO service_role USING (true) WITH CHECK (true);

-- The outbox writer. It runs as service_role (owner + SECURITY DEFINER) so a user cancelling
-- their own job still queues its notifications, which that user can neither see nor forge.
CREATE OR REPLACE FUNCTION jobs.queue_notifications() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  event text;
  snapshot jsonb;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status THEN
    RETURN NULL;
  END IF;
  event := CASE NEW.status
    WHEN 'running' THEN 'job.started'
    WHEN 'completed' THEN 'job.completed'
    WHEN 'failed' THEN 'job.failed'
    WHEN 'cancelled' THEN 'job.cancelled'
  END;
  IF event IS NULL THEN
    RETURN NULL;
  END IF;
  snapshot := to_jsonb(NEW) - 'lease_token' - 'idempotency_key';
  INSERT INTO jobs.notifications (channel, webhook_id, event, job_id, job)
    SELECT 'webhook', w.id, event, NEW.id, snapshot
    FROM jobs.webhooks w
    WHERE w.enabled AND event = ANY (w.events)
      AND (w.namespace IS NULL OR w.namespace = NEW.namespace)
      AND (w.job_name IS NULL OR w.job_name = NEW.job_name);
  IF event <> 'job.started' THEN
    IF NEW.notify AND NEW.user_email IS NOT NULL THEN
      INSERT INTO jobs.notifications (channel, mail_kind, recipient, event, job_id, job)
        VALUES ('mail', 'notify', NEW.user_email, event, NEW.id, snapshot);
    END IF;
    -- Scheduled runs: whether anyone is alerted is the drainer's setting (FLUXBASE_JOBS_ALERT_EMAIL).
    IF NEW.idempotency_key LIKE 'schedule:%' THEN
      INSERT INTO jobs.notifications (channel, mail_kind, event, job_id, job)
        VALUES ('mail', 'alert', event, NEW.id, snapshot);
    END IF;
  END IF;
  RETURN NULL;
END
$$;

ALTER FUNCTION jobs.queue_notifications() OWNER TO service_role;
REVOKE ALL ON FUNCTION jobs.queue_notifications() FROM PUBLIC;

CREATE TRIGGER queue_notifications AFTER INSERT OR UPDATE OF status ON jobs.queue
  FOR EACH ROW EXECUTE FUNCTION jobs.queue_notifications();
