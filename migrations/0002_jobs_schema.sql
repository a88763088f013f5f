-- The jobs schema: functions, the queue, workers and execution logs, each with row-level
-- security enabled and forced in the same migration that creates it.
CREATE SCHEMA IF NOT EXISTS jobs;
GRANT USAGE ON SCHEMA jobs TO anon, authenticated, service_role;

CREATE TABLE jobs.functions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$'),
  namespace text NOT NULL DEFAULT 'default' CHECK (namespace ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
  description text,
  source text NOT NULL,               -- what the author wrote
  code text,                          -- the esbuild bundle that runs; NULL when bundling failed
  code_hash text,
  bundle_error text,
  enabled boolean NOT NULL DEFAULT true,
  schedule text,
  timeout_seconds integer NOT NULL DEFAULT 300 CHECK (timeout_seconds > 0),
  memory_mb integer NOT NULL DEFAULT 256 CHECK (memory_mb >= 16),
  max_retries integer NOT NULL DEFAULT 3 CHECK (max_retries >= 0),
  progress_timeout_seconds integer NOT NULL DEFAULT 300 CHECK (progress_timeout_seconds > 0),
  permissions jsonb NOT NULL DEFAULT '{}'::jsonb,  -- {net, env, read, write}
  require_roles text[] NOT NULL DEFAULT '{}',
  origin text NOT NULL DEFAULT 'api' CHECK (origin IN ('api', 'filesystem')),
  source_path text,
  version integer NOT NULL DEFAULT 1,
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (namespace, name)
);

CREATE TABLE jobs.workers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  hostname text NOT NULL,
  pid integer NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'draining', 'stopped')),
  max_concurrent_jobs integer NOT NULL,
  current_job_count integer NOT NULL DEFAULT 0,
  last_heartbeat_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz NOT NULL DEFAULT now(),
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE TABLE jobs.queue (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  namespace text NOT NULL DEFAULT 'default',
  function_id uuid REFERENCES jobs.functions (id) ON DELETE SET NULL,
  job_name text NOT NULL,
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  result jsonb,
  progress jsonb,
  priority integer NOT NULL DEFAULT 0,
  max_retries integer NOT NULL DEFAULT 3 CHECK (max_retries >= 0),
  retry_count integer NOT NULL DEFAULT 0,
  attempt integer NOT NULL DEFAULT 0,          -- runs started (claims), crashes included
  timeout_seconds integer NOT NULL DEFAULT 300,
  progress_timeout_seconds integer NOT NULL DEFAULT 300,
  error_message text,
  worker_id uuid,
  lease_token uuid,                            -- every write of a running job must present it
  cancel_requested_at timestamptz,
  cancel_mode text CHECK (cancel_mode IN ('cancel', 'terminate')),
  idempotency_key text,
  created_by uuid,
  user_role text,
  user_email text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  scheduled_at timestamptz,
  started_at timestamptz,
  last_progress_at timestamptz,
  completed_at timestamptz
);

CREATE TABLE jobs.logs (
  id bigserial PRIMARY KEY,
  job_id uuid NOT NULL REFERENCES jobs.queue (id) ON DELETE CASCADE,
  attempt integer NOT NULL DEFAULT 1,
  line_number integer NOT NULL,
  level text NOT NULL DEFAULT 'info' CHECK (level IN ('debug', 'info', 'warn', 'error')),
  message text NOT NULL,
  "timestamp" timestamptz NOT NULL DEFAULT now(),
  UNIQUE (job_id, line_number)
);

-- The claim order: highest priority first, then the oldest due job.
CREATE INDEX queue_claim_idx ON jobs.queue (priority DESC, (coalesce(scheduled_at, created_at)))
  WHERE status = 'pending';
CREATE INDEX queue_owner_idx ON jobs.queue (created_by, created_at DESC);
CREATE INDEX queue_status_idx ON jobs.queue (namespace, status);
CREATE INDEX queue_running_worker_idx ON jobs.queue (worker_id) WHERE status = 'running';
CREATE INDEX queue_created_idx ON jobs.queue (created_at DESC);
CREATE UNIQUE INDEX queue_idempotency_idx
  ON jobs.queue ((coalesce(created_by, '00000000-0000-0000-0000-000000000000'::uuid)), idempotency_key)
  WHERE idempotency_key IS NOT NULL;

ALTER TABLE jobs.functions ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs.functions FORCE ROW LEVEL SECURITY;
ALTER TABLE jobs.workers ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs.workers FORCE ROW LEVEL SECURITY;
ALTER TABLE jobs.queue ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs.queue FORCE ROW LEVEL SECURITY;
ALTER TABLE jobs.logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs.logs FORCE ROW LEVEL SECURITY;

GRANT SELECT, INSERT, UPDATE, DELETE ON jobs.functions, jobs.workers, jobs.queue, jobs.logs TO service_role;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA jobs TO service_role;
GRANT SELECT ON jobs.functions, jobs.queue, jobs.logs, jobs.workers TO authenticated;
GRANT INSERT, UPDATE ON jobs.queue TO authenticated;
GRANT INSERT, UPDATE, DELETE ON jobs.functions TO authenticated;
GRANT SELECT ON jobs.functions, jobs.queue TO anon;

-- jobs.queue: the spec's four policies, plus admins.
CREATE POLICY "Users can read their own jobs" ON jobs.queue
  FOR SELECT TO authenticated USING (created_by = auth.uid());
CREATE POLICY "Users can submit jobs" ON jobs.queue
  FOR INSERT TO authenticated WITH CHECK (created_by = auth.uid());
CREATE POLICY "Users can cancel their own pending/running jobs" ON jobs.queue
  FOR UPDATE TO authenticated
  USING (created_by = auth.uid() AND status IN ('pending', 'running'))
  WITH CHECK (created_by = auth.uid() AND status = 'cancelled');
CREATE POLICY "Service role can manage all jobs" ON jobs.queue
  FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Admins can read all jobs" ON jobs.queue
  FOR SELECT TO authenticated USING (auth.is_admin());
CREATE POLICY "Admins can manage all jobs" ON jobs.queue
  FOR ALL TO authenticated USING (auth.is_admin()) WITH CHECK (auth.is_admin());

-- jobs.logs: readable by whoever can read the job (the subquery runs under the queue's policies).
CREATE POLICY "Job owners can read logs" ON jobs.logs
  FOR SELECT TO authenticated USING (EXISTS (SELECT 1 FROM jobs.queue q WHERE q.id = job_id));
CREATE POLICY "Service role can manage logs" ON jobs.logs
  FOR ALL TO service_role USING (true) WITH CHECK (true);

-- jobs.functions: every signed-in caller may look a function up (submit checks it); admins manage.
CREATE POLICY "Callers can read functions" ON jobs.functions
  FOR SELECT TO anon, authenticated USING (true);
CREATE POLICY "Admins can manage functions" ON jobs.functions
  FOR ALL TO authenticated USING (auth.is_admin()) WITH CHECK (auth.is_admin());
CREATE POLICY "Service role can manage functions" ON jobs.functions
  FOR ALL TO service_role USING (true) WITH CHECK (true);

-- jobs.workers: admins read, the service role (the worker itself) writes.
CREATE POLICY "Admins can read workers" ON jobs.workers
  FOR SELECT TO authenticated USING (auth.is_admin());
CREATE POLICY "Service role can manage workers" ON jobs.workers
  FOR ALL TO service_role USING (true) WITH CHECK (true);
