-- How a sandboxed function's runs are isolated: 'warm' (a kept Deno process serves run after run of
-- one version, per-run state fresh; module state persists) or 'process' (a fresh Deno process per
-- run). Trusted handlers run in the server's process and ignore it.
ALTER TABLE jobs.functions
  ADD COLUMN isolation text NOT NULL DEFAULT 'warm'
  CONSTRAINT functions_isolation_check CHECK (isolation IN ('warm', 'process'));
GRANT SELECT (isolation) ON jobs.functions TO anon, authenticated;
