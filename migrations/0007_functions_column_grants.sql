-- Callers look functions up when they submit (enabled, required roles, limits), but the source and
-- the bundle are the function author's: only admins (through the admin API, as the service role) and
-- the service role read them.
REVOKE SELECT ON jobs.functions FROM anon, authenticated;
GRANT SELECT (id, name, namespace, description, enabled, schedule, timeout_seconds, memory_mb, max_retries,
  progress_timeout_seconds, permissions, require_roles, origin, source_path, version, bundle_error, code_hash,
  created_by, created_at, updated_at) ON jobs.functions TO anon, authenticated;
