-- API keys for programs (CI, agents): a name, scopes (jobs:read, jobs:write), optionally one
-- namespace, an optional expiry, revocable. Only a hash of the secret is stored; the key itself is
-- shown once, when it is created. Admins and the service role manage them; nobody else sees them.
CREATE TABLE jobs.api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
  -- sha256 (hex) of the key's secret part.
  secret_hash text NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
  scopes text[] NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['jobs:read', 'jobs:write']),
  namespace text CHECK (namespace ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
  expires_at timestamptz,
  revoked_at timestamptz,
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
-- A name names one live key; revoked keys keep theirs in the history.
CREATE UNIQUE INDEX api_keys_live_name_idx ON jobs.api_keys (name) WHERE revoked_at IS NULL;
ALTER TABLE jobs.api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs.api_keys FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON jobs.api_keys TO authenticated, service_role;
CREATE POLICY "Admins can manage API keys" ON jobs.api_keys
  FOR ALL TO authenticated USING (auth.is_admin()) WITH CHECK (auth.is_admin());
CREATE POLICY "Service role can manage API keys" ON jobs.api_keys
  FOR ALL TO service_role USING (true) WITH CHECK (true);
