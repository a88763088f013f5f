-- The history of every attempt of a job: one row per attempt, written by a trigger in the same
-- transaction as the status change that starts or ends it, whatever wrote that change (a worker,
-- the reaper, a cancel, a shutdown). Visible to whoever can see the job.
CREATE TABLE jobs.attempts (
  -- In start order: a manual retry starts counting attempts again, so the number alone repeats.
  id bigserial PRIMARY KEY,
  job_id uuid NOT NULL REFERENCES jobs.queue (id) ON DELETE CASCADE,
  attempt int NOT NULL,
  worker_id uuid,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  -- completed, failed (for good), retry (failed, to run again), cancelled, released (given back
  -- at shutdown, not counted), recovered (its worker died; requeued or failed by the reaper)
  outcome text CHECK (outcome IN ('completed', 'failed', 'retry', 'cancelled', 'released', 'recovered')),
  error_message text
);
CREATE INDEX attempts_job_idx ON jobs.attempts (job_id, id);
-- At most one attempt of a job is open (started, not finished) at a time.
CREATE UNIQUE INDEX attempts_open_idx ON jobs.attempts (job_id) WHERE finished_at IS NULL;
ALTER TABLE jobs.attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs.attempts FORCE ROW LEVEL SECURITY;
GRANT SELECT ON jobs.attempts TO authenticated, service_role;
GRANT INSERT, UPDATE, DELETE ON jobs.attempts TO service_role;
GRANT USAGE ON SEQUENCE jobs.attempts_id_seq TO service_role;
CREATE POLICY "Whoever sees the job sees its attempts" ON jobs.attempts
  FOR SELECT TO authenticated USING (EXISTS (SELECT 1 FROM jobs.queue q WHERE q.id = job_id));
CREATE POLICY "Service role can manage attempts" ON jobs.attempts
  FOR ALL TO service_role USING (true) WITH CHECK (true);

CREATE OR REPLACE FUNCTION jobs.record_attempt() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NEW.status = 'running' AND OLD.status IS DISTINCT FROM 'running' THEN
    INSERT INTO jobs.attempts (job_id, attempt, worker_id, started_at)
      VALUES (NEW.id, NEW.attempt, NEW.worker_id, coalesce(NEW.started_at, now()));
  ELSIF OLD.status = 'running' AND NEW.status IS DISTINCT FROM 'running' THEN
    UPDATE jobs.attempts SET finished_at = now(),
      outcome = CASE
        WHEN NEW.status = 'pending' AND NEW.attempt < OLD.attempt THEN 'released'
        WHEN NEW.error_message = 'Worker lost during execution' THEN 'recovered'
        WHEN NEW.status = 'pending' THEN 'retry'
        ELSE NEW.status END,
      error_message = CASE WHEN NEW.status IN ('failed', 'pending') THEN NEW.error_message END
    WHERE job_id = OLD.id AND finished_at IS NULL;
  END IF;
  RETURN NULL;
END
$$;
ALTER FUNCTION jobs.record_attempt() OWNER TO service_role;
REVOKE ALL ON FUNCTION jobs.record_attempt() FROM PUBLIC;

CREATE TRIGGER queue_record_attempt AFTER UPDATE OF status ON jobs.queue
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION jobs.record_attempt();
