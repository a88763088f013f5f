-- Secrets jobs read through `secrets.get()`: system secrets (user_id NULL), global (namespace NULL)
-- or scoped to one namespace, and per-user secrets. Values are sealed by the server with AES-256-GCM
-- before they get here; the database only ever holds ciphertext, the nonce and the id of the key.
CREATE TABLE jobs.secrets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_]{0,127}$'),
  namespace text CHECK (namespace ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),  -- NULL: every namespace
  user_id uuid,                                                            -- NULL: a system secret
  ciphertext bytea NOT NULL,          -- AES-256-GCM output followed by its 16-byte auth tag
  nonce bytea NOT NULL CHECK (octet_length(nonce) = 12),
  key_id text NOT NULL,               -- which key sealed it, so keys can be rotated
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  -- One value per (name, namespace, user); a NULL namespace or user counts as one scope, not many.
  CONSTRAINT secrets_scope_key UNIQUE NULLS NOT DISTINCT (name, namespace, user_id)
);

CREATE INDEX secrets_user_idx ON jobs.secrets (user_id) WHERE user_id IS NOT NULL;

ALTER TABLE jobs.secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs.secrets FORCE ROW LEVEL SECURITY;

GRANT SELECT, INSERT, UPDATE, DELETE ON jobs.secrets TO authenticated, service_role;

-- A user manages only their own secrets; system secrets (user_id NULL) never match auth.uid().
CREATE POLICY "Users can manage their own secrets" ON jobs.secrets
  FOR ALL TO authenticated
  USING (user_id = auth.uid())
  WITH CHECK (user_id = auth.uid());
CREATE POLICY "Admins can manage all secrets" ON jobs.secrets
  FOR ALL TO authenticated USING (auth.is_admin()) WITH CHECK (auth.is_admin());
CREATE POLICY "Service role can manage secrets" ON jobs.secrets
  FOR ALL TO service_role USING (true) WITH CHECK (true);
