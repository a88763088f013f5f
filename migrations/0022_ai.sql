-- AI helpers (job.ai, ctx.ai): what each job's AI calls used, kept on the job, and the per-user
-- request windows behind FLUXBASE_AI_REQUESTS_PER_MINUTE, shared by every process.

-- {requests, prompt_tokens, completion_tokens, total_tokens, run_attempt, run_total_tokens}: the
-- totals over every attempt, and the tokens of the latest attempt (its budget,
-- FLUXBASE_AI_MAX_TOKENS_PER_JOB). NULL until the job's first AI call.
ALTER TABLE jobs.queue ADD COLUMN ai_usage jsonb;

-- One row per caller and minute: a fixed window, counted with an upsert, so processes agree.
CREATE TABLE jobs.ai_rate_windows (
  user_key text NOT NULL,
  window_start timestamptz NOT NULL,
  requests integer NOT NULL CHECK (requests >= 0),
  PRIMARY KEY (user_key, window_start)
);
CREATE INDEX ai_rate_windows_start_idx ON jobs.ai_rate_windows (window_start);

ALTER TABLE jobs.ai_rate_windows ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs.ai_rate_windows FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON jobs.ai_rate_windows TO service_role;
CREATE POLICY "Service role counts AI requests" ON jobs.ai_rate_windows
  FOR ALL TO service_role USING (true) WITH CHECK (true);
