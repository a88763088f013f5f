-- Schedules as data: every cron schedule is a row of jobs.schedules, whether an admin created it
-- through the API (source 'api') or a function declared it (`@fluxbase:schedule`, defineJob({ schedule }),
-- source 'annotation'). The scheduler fires rows, never functions; each fire time that starts a job
-- is recorded once in jobs.schedule_runs, so any number of processes fire it exactly once.

CREATE TABLE jobs.schedules (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$'),
  namespace text NOT NULL DEFAULT 'default' CHECK (namespace ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
  job_name text NOT NULL CHECK (job_name ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$'),
  cron text NOT NULL CHECK (length(cron) BETWEEN 1 AND 200),
  timezone text NOT NULL DEFAULT 'UTC' CHECK (length(timezone) BETWEEN 1 AND 64),
  payload jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(payload) = 'object'),
  enabled boolean NOT NULL DEFAULT true,
  max_retries integer CHECK (max_retries >= 0),          -- NULL: the function's
  -- NULL: the server's retry backoff; else {"base_ms": n, "max_ms": n}.
  backoff jsonb CHECK (backoff IS NULL OR (
    jsonb_typeof(backoff -> 'base_ms') = 'number' AND jsonb_typeof(backoff -> 'max_ms') = 'number'
    AND (backoff ->> 'base_ms')::numeric >= 0 AND (backoff ->> 'max_ms')::numeric >= (backoff ->> 'base_ms')::numeric)),
  overlap text NOT NULL DEFAULT 'skip' CHECK (overlap IN ('skip', 'allow')),
  misfire text NOT NULL DEFAULT 'skip' CHECK (misfire IN ('skip', 'run_once')),
  source text NOT NULL DEFAULT 'api' CHECK (source IN ('annotation', 'api')),
  -- NULL while paused, and for an annotation row until a scheduler computes it (within a tick).
  next_run_at timestamptz,
  last_run_at timestamptz,
  last_job_id uuid REFERENCES jobs.queue (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (namespace, name)
);

-- One row per fire time that started a job: the primary key is what makes a fire time run once.
CREATE TABLE jobs.schedule_runs (
  schedule_id uuid NOT NULL REFERENCES jobs.schedules (id) ON DELETE CASCADE,
  fire_time timestamptz NOT NULL,
  job_id uuid REFERENCES jobs.queue (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schedule_id, fire_time)
);

CREATE INDEX schedules_due_idx ON jobs.schedules (next_run_at) WHERE enabled;
CREATE INDEX schedules_job_idx ON jobs.schedules (namespace, job_name);
CREATE INDEX schedule_runs_created_idx ON jobs.schedule_runs (created_at);

ALTER TABLE jobs.schedules ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs.schedules FORCE ROW LEVEL SECURITY;
ALTER TABLE jobs.schedule_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs.schedule_runs FORCE ROW LEVEL SECURITY;

GRANT SELECT, INSERT, UPDATE, DELETE ON jobs.schedules, jobs.schedule_runs TO service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON jobs.schedules TO authenticated;
GRANT SELECT ON jobs.schedule_runs TO authenticated;

CREATE POLICY "Admins can manage schedules" ON jobs.schedules
  FOR ALL TO authenticated USING (auth.is_admin()) WITH CHECK (auth.is_admin());
CREATE POLICY "Service role can manage schedules" ON jobs.schedules
  FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Admins can read schedule runs" ON jobs.schedule_runs
  FOR SELECT TO authenticated USING (auth.is_admin());
CREATE POLICY "Service role can manage schedule runs" ON jobs.schedule_runs
  FOR ALL TO service_role USING (true) WITH CHECK (true);

-- Why a function's schedule (or, later, its event subscriptions) is not in place although its
-- annotations are valid; NULL when it is. Shown with the function.
ALTER TABLE jobs.functions ADD COLUMN setup_error text;
GRANT SELECT (setup_error) ON jobs.functions TO anon, authenticated;

-- Annotation rows follow jobs.functions.schedule on every write of a function, whichever path makes
-- it (the jobs folder, an upload, a trusted handler, plain SQL): one row per scheduled function,
-- named after it. Its cron follows the annotation; everything an admin changes through the API
-- (paused, payload, timezone, policies) is kept across reloads and restarts.
CREATE FUNCTION jobs.functions_schedule() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR NEW.schedule IS NULL
      OR (OLD.namespace, OLD.name) IS DISTINCT FROM (NEW.namespace, NEW.name)) THEN
    DELETE FROM jobs.schedules s
    WHERE s.source = 'annotation' AND s.namespace = OLD.namespace AND s.job_name = OLD.name;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  NEW.setup_error := NULL;
  IF NEW.schedule IS NOT NULL THEN
    IF EXISTS (SELECT 1 FROM jobs.schedules s
               WHERE s.namespace = NEW.namespace AND s.name = NEW.name AND s.source = 'api') THEN
      NEW.setup_error := format(
        '@fluxbase:schedule is not in place: a schedule named %s was created through the API in namespace %s; rename or delete that schedule',
        NEW.name, NEW.namespace);
    ELSE
      INSERT INTO jobs.schedules (namespace, name, job_name, cron, source)
        VALUES (NEW.namespace, NEW.name, NEW.name, NEW.schedule, 'annotation')
      ON CONFLICT (namespace, name) DO UPDATE
        SET cron = excluded.cron, next_run_at = NULL, updated_at = now()
        WHERE jobs.schedules.source = 'annotation' AND jobs.schedules.cron IS DISTINCT FROM excluded.cron;
    END IF;
  END IF;
  RETURN NEW;
END
$$;

ALTER FUNCTION jobs.functions_schedule() OWNER TO service_role;
REVOKE ALL ON FUNCTION jobs.functions_schedule() FROM PUBLIC;

CREATE TRIGGER functions_schedule BEFORE INSERT OR UPDATE OF namespace, name, schedule, setup_error OR DELETE
  ON jobs.functions FOR EACH ROW EXECUTE FUNCTION jobs.functions_schedule();

-- Functions scheduled before this migration get their rows now.
INSERT INTO jobs.schedules (namespace, name, job_name, cron, source)
  SELECT namespace, name, name, schedule, 'annotation' FROM jobs.functions WHERE schedule IS NOT NULL
  ON CONFLICT (namespace, name) DO NOTHING;
