-- Feature toggles: a platform value per toggle (the code's default until an operator sets one), an
-- optional rollout to a share of tenants by a stable hash, and per-tenant overrides. Every change is
-- recorded in toggles.audit (who, when, old, new) and announced on the `fluxbase_toggles` channel so
-- every process drops its cached copy.
CREATE SCHEMA IF NOT EXISTS toggles;
GRANT USAGE ON SCHEMA toggles TO anon, authenticated, service_role;

-- Which JWT claim names the tenant (FLUXBASE_TENANT_CLAIM); the server writes it at start-up so SQL
-- (toggles.is_on in RLS policies) reads the same claim as the server. One row.
CREATE TABLE toggles.settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  tenant_claim text NOT NULL DEFAULT 'tenant_id' CHECK (tenant_claim ~ '^[A-Za-z_][A-Za-z0-9_.-]{0,63}$')
);
INSERT INTO toggles.settings DEFAULT VALUES;

CREATE TABLE toggles.flags (
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9._-]{0,99}$'),
  description text NOT NULL DEFAULT '',
  code_default boolean,                 -- what defineToggle declares; NULL: created through the API only
  enabled boolean,                      -- the platform value an operator set; NULL: the code default
  rollout_percent smallint CHECK (rollout_percent BETWEEN 0 AND 100),  -- on for this share of tenants
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid
);

CREATE TABLE toggles.overrides (
  flag_id text NOT NULL REFERENCES toggles.flags (id) ON DELETE CASCADE,
  tenant text NOT NULL CHECK (length(tenant) BETWEEN 1 AND 200),
  enabled boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  PRIMARY KEY (flag_id, tenant)
);

-- Append-only: written by the triggers below, whatever path made the change (API, CLI, SQL, tests).
CREATE TABLE toggles.audit (
  id bigserial PRIMARY KEY,
  flag_id text NOT NULL,
  tenant text,                          -- NULL: the platform value or rollout
  action text NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
  old jsonb,
  new jsonb,
  actor uuid,                           -- auth.uid() of the writer; NULL for the service role
  actor_role text,                      -- auth.role(), or the database user when no claims were set
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_flag_idx ON toggles.audit (flag_id, at DESC);

ALTER TABLE toggles.settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE toggles.settings FORCE ROW LEVEL SECURITY;
ALTER TABLE toggles.flags ENABLE ROW LEVEL SECURITY;
ALTER TABLE toggles.flags FORCE ROW LEVEL SECURITY;
ALTER TABLE toggles.overrides ENABLE ROW LEVEL SECURITY;
ALTER TABLE toggles.overrides FORCE ROW LEVEL SECURITY;
ALTER TABLE toggles.audit ENABLE ROW LEVEL SECURITY;
ALTER TABLE toggles.audit FORCE ROW LEVEL SECURITY;

-- Users never read the tables (tenants' names and overrides are the operator's business); they ask
-- toggles.is_on, or GET /api/v1/toggles/:id, for themselves.
GRANT SELECT, INSERT, UPDATE, DELETE ON toggles.flags, toggles.overrides TO authenticated, service_role;
GRANT SELECT, UPDATE ON toggles.settings TO service_role;
GRANT SELECT ON toggles.settings TO authenticated;
GRANT SELECT ON toggles.audit TO authenticated, service_role;

CREATE POLICY "Admins can manage toggles" ON toggles.flags
  FOR ALL TO authenticated USING (auth.is_admin()) WITH CHECK (auth.is_admin());
CREATE POLICY "Service role can manage toggles" ON toggles.flags
  FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Admins can manage toggle overrides" ON toggles.overrides
  FOR ALL TO authenticated USING (auth.is_admin()) WITH CHECK (auth.is_admin());
CREATE POLICY "Service role can manage toggle overrides" ON toggles.overrides
  FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Admins can read toggle settings" ON toggles.settings
  FOR SELECT TO authenticated USING (auth.is_admin());
CREATE POLICY "Service role can manage toggle settings" ON toggles.settings
  FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Admins can read the toggle audit" ON toggles.audit
  FOR SELECT TO authenticated USING (auth.is_admin());
CREATE POLICY "Service role can read the toggle audit" ON toggles.audit
  FOR SELECT TO service_role USING (true);

-- The caller's tenant: the configured claim, else the user id; NULL for anon and the service role.
CREATE OR REPLACE FUNCTION toggles.current_tenant() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(
    nullif(auth.jwt() ->> (SELECT s.tenant_claim FROM toggles.settings s), ''),
    auth.uid()::text)
$$;

-- 0..99, the same for a toggle and a tenant everywhere (server/toggles/bucket.ts computes it too):
-- the first 32 bits of md5('<toggle>:<tenant>'), modulo 100. Salted with the toggle, so the first
-- 10 % of one rollout are not always the first 10 % of the next.
CREATE OR REPLACE FUNCTION toggles.bucket(p_id text, p_tenant text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT
AS $$
  SELECT (('x' || substr(md5(p_id || ':' || p_tenant), 1, 8))::bit(32)::bigint % 100)::integer
$$;

-- Whether a toggle is on for a tenant: the tenant's override, else the platform value, or the
-- tenant falls in the rollout. Unknown toggles are off.
CREATE OR REPLACE FUNCTION toggles.is_on_for(p_id text, p_tenant text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(
    (SELECT o.enabled FROM toggles.overrides o WHERE o.flag_id = p_id AND o.tenant = p_tenant),
    (SELECT coalesce(f.enabled, f.code_default, false)
            OR (p_tenant IS NOT NULL AND f.rollout_percent IS NOT NULL
                AND toggles.bucket(p_id, p_tenant) < f.rollout_percent)
     FROM toggles.flags f WHERE f.id = p_id),
    false)
$$;

-- For RLS policies and queries: whether a toggle is on for the request's tenant.
CREATE OR REPLACE FUNCTION toggles.is_on(p_id text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT toggles.is_on_for(p_id, toggles.current_tenant())
$$;

ALTER FUNCTION toggles.current_tenant() OWNER TO service_role;
ALTER FUNCTION toggles.is_on_for(text, text) OWNER TO service_role;
ALTER FUNCTION toggles.is_on(text) OWNER TO service_role;
REVOKE ALL ON FUNCTION toggles.is_on_for(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION toggles.is_on_for(text, text) TO service_role;
GRANT EXECUTE ON FUNCTION toggles.is_on(text), toggles.current_tenant(), toggles.bucket(text, text)
  TO anon, authenticated, service_role;

-- Records a change (who, when, old, new) and wakes every process's cache. It runs as service_role
-- (owner + SECURITY DEFINER) so an admin's change is recorded though nobody may write the audit.
CREATE OR REPLACE FUNCTION toggles.record_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  old_state jsonb;
  new_state jsonb;
  flag text;
  tenant_name text;
  row_old jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  row_new jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
BEGIN
  -- Through jsonb: one body serves both tables, whose rows have different fields.
  IF TG_TABLE_NAME = 'flags' THEN
    old_state := jsonb_build_object('enabled', row_old -> 'enabled', 'rollout_percent',
      row_old -> 'rollout_percent', 'code_default', row_old -> 'code_default');
    new_state := jsonb_build_object('enabled', row_new -> 'enabled', 'rollout_percent',
      row_new -> 'rollout_percent', 'code_default', row_new -> 'code_default');
    flag := coalesce(row_new, row_old) ->> 'id';
  ELSE
    old_state := jsonb_build_object('enabled', row_old -> 'enabled');
    new_state := jsonb_build_object('enabled', row_new -> 'enabled');
    flag := coalesce(row_new, row_old) ->> 'flag_id';
    tenant_name := coalesce(row_new, row_old) ->> 'tenant';
  END IF;
  IF row_old IS NULL THEN
    old_state := NULL;
  END IF;
  IF row_new IS NULL THEN
    new_state := NULL;
  END IF;
  -- A description-only edit, or a code default declared again unchanged, is no flip.
  IF old_state IS NOT DISTINCT FROM new_state THEN
    RETURN NULL;
  END IF;
  INSERT INTO toggles.audit (flag_id, tenant, action, old, new, actor, actor_role)
    VALUES (flag, tenant_name, lower(TG_OP), old_state, new_state, auth.uid(),
            coalesce(auth.role(), session_user));
  PERFORM pg_notify('fluxbase_toggles', flag);
  RETURN NULL;
END
$$;

ALTER FUNCTION toggles.record_change() OWNER TO service_role;
REVOKE ALL ON FUNCTION toggles.record_change() FROM PUBLIC;
GRANT INSERT ON toggles.audit TO service_role;
GRANT USAGE ON SEQUENCE toggles.audit_id_seq TO service_role;
CREATE POLICY "Service role records toggle changes" ON toggles.audit
  FOR INSERT TO service_role WITH CHECK (true);

CREATE TRIGGER flags_record_change AFTER INSERT OR UPDATE OR DELETE ON toggles.flags
  FOR EACH ROW EXECUTE FUNCTION toggles.record_change();
CREATE TRIGGER overrides_record_change AFTER INSERT OR UPDATE OR DELETE ON toggles.overrides
  FOR EACH ROW EXECUTE FUNCTION toggles.record_change();

-- The tenant a job runs for: the submitter's, taken from their claims in the submitting transaction.
-- A user cannot choose it; admins and the service role may pass it (a resubmit copies the original's).
ALTER TABLE jobs.queue ADD COLUMN tenant text DEFAULT toggles.current_tenant();

CREATE OR REPLACE FUNCTION jobs.queue_tenant() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF current_user IN ('anon', 'authenticated') AND NOT auth.is_admin() THEN
    NEW.tenant := toggles.current_tenant();
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER queue_tenant BEFORE INSERT ON jobs.queue
  FOR EACH ROW EXECUTE FUNCTION jobs.queue_tenant();
