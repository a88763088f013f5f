-- Roles that requests run as, and the auth.* helpers that policies read the JWT claims through.
-- Roles are cluster-wide, so they are created only when missing (another database may have made them).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    CREATE ROLE anon NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    CREATE ROLE authenticated NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
    CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- created concurrently by a migration of another database
END
$$;

-- The login user must be able to SET ROLE to each of them.
DO $$
BEGIN
  EXECUTE format('GRANT anon, authenticated, service_role TO %I', current_user);
END
$$;

CREATE SCHEMA IF NOT EXISTS auth;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;

-- The claims of the current request; NULL when none are set (an empty setting after a
-- transaction that used SET LOCAL reads as '' rather than NULL, so both mean "no claims").
CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb
LANGUAGE sql STABLE
AS $$
  SELECT nullif(current_setting('request.jwt.claims', true), '')::jsonb
$$;

CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
LANGUAGE sql STABLE
AS $$
  SELECT CASE
    WHEN (auth.jwt() ->> 'sub') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
    THEN (auth.jwt() ->> 'sub')::uuid
  END
$$;

CREATE OR REPLACE FUNCTION auth.role() RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT nullif(auth.jwt() ->> 'role', '')
$$;

CREATE OR REPLACE FUNCTION auth.email() RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT nullif(auth.jwt() ->> 'email', '')
$$;

-- True for the admin role claims; policies use it so the rule lives in one place.
CREATE OR REPLACE FUNCTION auth.is_admin() RETURNS boolean
LANGUAGE sql STABLE
AS $$
  SELECT coalesce(auth.role() IN ('admin', 'dashboard_admin', 'service_role'), false)
$$;

GRANT EXECUTE ON FUNCTION auth.jwt(), auth.uid(), auth.role(), auth.email(), auth.is_admin()
  TO anon, authenticated, service_role;
