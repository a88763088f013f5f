-- How each job started: adhoc (a submit or enqueue), cron (a schedule's fire time), cron_trigger (a
-- schedule run by hand), resubmit (a copy of an earlier job); `event` and `retry` are reserved for
-- event-triggered jobs and retries created as new jobs. A manual retry keeps the job (and its
-- trigger); jobs.attempts holds its history.
ALTER TABLE jobs.queue
  ADD COLUMN trigger text NOT NULL DEFAULT 'adhoc'
    CHECK (trigger IN ('adhoc', 'cron', 'cron_trigger', 'event', 'retry', 'resubmit')),
  ADD COLUMN schedule_id uuid REFERENCES jobs.schedules (id) ON DELETE SET NULL;
CREATE INDEX queue_trigger_idx ON jobs.queue (trigger, created_at DESC) WHERE trigger <> 'adhoc';
