-- A counter every DDL statement bumps, next to the NOTIFY it already sends. The REST schema cache
-- compares it on a miss: a request that names something created a moment ago (before the NOTIFY
-- reached the listener) reloads the catalog, while misses for names that really do not exist cost
-- one tiny query and never a reload.
CREATE SEQUENCE IF NOT EXISTS fluxbase.schema_version;

CREATE OR REPLACE FUNCTION fluxbase.rest_schema_changed() RETURNS event_trigger
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM nextval('fluxbase.schema_version');
  PERFORM pg_notify('fluxbase_schema', '');
EXCEPTION WHEN OTHERS THEN
  NULL;
END
$$;
