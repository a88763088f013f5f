-- The REST API (/rest/v1): the `app` schema it exposes beside `public`, and the event trigger that
-- tells its schema cache when DDL ran, so new tables and columns are served without a restart.
CREATE SCHEMA IF NOT EXISTS app;
GRANT USAGE ON SCHEMA app TO anon, authenticated, service_role;

-- Announces any DDL on the `fluxbase_schema` channel. It never blocks the DDL it reports on.
CREATE OR REPLACE FUNCTION fluxbase.rest_schema_changed() RETURNS event_trigger
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM pg_notify('fluxbase_schema', '');
EXCEPTION WHEN OTHERS THEN
  NULL;
END
$$;

-- Creating an event trigger needs a superuser. A login user without that right still migrates; the
-- REST schema cache then falls back to a short time-to-live.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND rolsuper) THEN
    DROP EVENT TRIGGER IF EXISTS fluxbase_rest_schema_changed;
    CREATE EVENT TRIGGER fluxbase_rest_schema_changed ON ddl_command_end
      EXECUTE FUNCTION fluxbase.rest_schema_changed();
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'REST schema-change trigger not installed: %', SQLERRM;
END
$$;
