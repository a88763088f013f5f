-- Event-triggered jobs.
--   - Named events: a function subscribes with `@fluxbase:on <name>` (jobs.functions.on_events);
--     an emit (POST /api/v1/events) records the event and, in the same transaction, submits one job
--     per subscribed function the emitter may trigger (`@fluxbase:on-role`, else the function's
--     require-role), owned by the emitter.
--   - Table events: `@fluxbase:on insert app.orders` (jobs.functions.on_tables) installs a row trigger
--     on that table that records the change and enqueues a job with { type, schema, table, record,
--     old_record }, owned by no user (run with the service client), in the writing transaction.
-- jobs.events keeps each emitted event; jobs it started carry its id (jobs.queue.event_id).
CREATE TABLE jobs.events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$'),
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- api: emitted by a caller; table: a change to a table a function listens to.
  source text NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'table')),
  emitted_by uuid,
  emitter_role text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_created_idx ON jobs.events (created_at);
ALTER TABLE jobs.events ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs.events FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON jobs.events TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON jobs.events TO service_role;
CREATE POLICY "Users can emit events as themselves" ON jobs.events
  FOR INSERT TO authenticated WITH CHECK (emitted_by = auth.uid() AND source = 'api');
CREATE POLICY "Users can read their own events" ON jobs.events
  FOR SELECT TO authenticated USING (emitted_by = auth.uid());
CREATE POLICY "Admins can read all events" ON jobs.events
  FOR SELECT TO authenticated USING (auth.is_admin());
CREATE POLICY "Service role can manage events" ON jobs.events
  FOR ALL TO service_role USING (true) WITH CHECK (true);

ALTER TABLE jobs.queue ADD COLUMN event_id uuid REFERENCES jobs.events (id) ON DELETE SET NULL;
CREATE INDEX queue_event_idx ON jobs.queue (event_id) WHERE event_id IS NOT NULL;
-- A job waiting for its retry says when that is.
ALTER TABLE jobs.queue ADD COLUMN next_attempt_at timestamptz
  GENERATED ALWAYS AS (CASE WHEN status = 'pending' AND attempt > 0 THEN scheduled_at END) STORED;

-- The guard of 0018, leaving next_attempt_at out of what it compares: a BEFORE trigger sees a
-- generated column as NULL, so comparing it would refuse every cancel of a job waiting to retry.
CREATE OR REPLACE FUNCTION jobs.queue_before_update() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF current_user = 'authenticated' AND NOT auth.is_admin() THEN
    IF OLD.status = 'pending' AND NEW.status = 'pending' AND OLD.overlap_mode = 'dedupe'
       AND (to_jsonb(NEW) - 'payload' - 'scheduled_at' - 'updated_at' - 'next_attempt_at')
         IS NOT DISTINCT FROM (to_jsonb(OLD) - 'payload' - 'scheduled_at' - 'updated_at' - 'next_attempt_at')
    THEN
      NEW.updated_at := now();
      RETURN NEW;
    END IF;
    IF (to_jsonb(NEW) - 'status' - 'updated_at' - 'completed_at' - 'cancel_requested_at' - 'cancel_mode' - 'next_attempt_at')
       IS DISTINCT FROM (to_jsonb(OLD) - 'status' - 'updated_at' - 'completed_at' - 'cancel_requested_at' - 'cancel_mode' - 'next_attempt_at')
    THEN
      RAISE EXCEPTION 'only the status of a job can be changed, and only to cancel it'
        USING ERRCODE = '42501';
    END IF;
    IF NEW.status <> 'cancelled' THEN
      RAISE EXCEPTION 'a job can only be cancelled' USING ERRCODE = '42501';
    END IF;
    NEW.cancel_mode := 'cancel';
    NEW.cancel_requested_at := now();
    NEW.completed_at := now();
  END IF;
  NEW.updated_at := now();
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    IF NEW.status = 'cancelled' THEN
      NEW.cancel_requested_at := coalesce(NEW.cancel_requested_at, now());
      NEW.cancel_mode := coalesce(NEW.cancel_mode, 'cancel');
      NEW.completed_at := coalesce(NEW.completed_at, now());
    ELSIF NEW.status IN ('completed', 'failed') THEN
      NEW.completed_at := coalesce(NEW.completed_at, now());
    END IF;
  END IF;
  RETURN NEW;
END
$$;


ALTER TABLE jobs.functions
  ADD COLUMN on_events text[] NOT NULL DEFAULT '{}',
  -- Who may trigger it by an event; NULL: whoever may submit it (require_roles).
  ADD COLUMN on_roles text[],
  -- [{ "op": "insert" | "update" | "delete", "schema": ..., "table": ... }]
  ADD COLUMN on_tables jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(on_tables) = 'array'),
  -- Why a table subscription is not in place (a missing table, say); NULL when all are.
  ADD COLUMN events_error text;
GRANT SELECT (on_events, on_roles, on_tables, events_error) ON jobs.functions TO anon, authenticated;
CREATE INDEX functions_on_events_idx ON jobs.functions USING gin (on_events);

-- The row trigger installed on a listened-to table: TG_ARGV[0] is the function's id. It runs as the
-- service role, so whoever changed the row needs no rights on the jobs schema; a function gone or
-- disabled starts nothing, and an overlap that refuses the job never fails the table write.
CREATE FUNCTION jobs.enqueue_table_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  fn record;
  v_payload jsonb;
  v_event uuid;
BEGIN
  SELECT f.id, f.namespace, f.name, f.enabled, f.max_retries, f.timeout_seconds, f.progress_timeout_seconds
    INTO fn FROM jobs.functions f WHERE f.id = TG_ARGV[0]::uuid;
  IF NOT FOUND OR NOT fn.enabled THEN
    RETURN NULL;
  END IF;
  v_payload := jsonb_build_object('type', TG_OP, 'schema', TG_TABLE_SCHEMA, 'table', TG_TABLE_NAME,
    'record', CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) END,
    'old_record', CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) END);
  INSERT INTO jobs.events (name, payload, source, emitter_role)
    VALUES (lower(TG_OP) || ':' || TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, v_payload, 'table', 'service_role')
    RETURNING id INTO v_event;
  INSERT INTO jobs.queue (namespace, function_id, job_name, payload, max_retries, timeout_seconds,
      progress_timeout_seconds, user_role, trigger, event_id)
    VALUES (fn.namespace, fn.id, fn.name, v_payload, fn.max_retries, fn.timeout_seconds,
      fn.progress_timeout_seconds, 'service_role', 'event', v_event)
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
ALTER FUNCTION jobs.enqueue_table_event() OWNER TO service_role;
REVOKE ALL ON FUNCTION jobs.enqueue_table_event() FROM PUBLIC;

-- Keeps each function's table triggers in step with its on_tables on every write of the function,
-- whichever path makes it. Trigger names carry the function's id, so they are found again to drop.
-- Runs as the migrating role, which owns the application's tables (creating a trigger needs that).
CREATE FUNCTION jobs.functions_table_events() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_fn uuid := coalesce(NEW.id, OLD.id);
  v_old record;
  v_sub jsonb;
  v_problems text[] := '{}';
BEGIN
  FOR v_old IN
    SELECT t.tgname, c.oid::regclass AS rel FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE t.tgname LIKE 'fluxbase_on_%_' || replace(v_fn::text, '-', '') AND NOT t.tgisinternal
  LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', v_old.tgname, v_old.rel);
  END LOOP;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  NEW.events_error := NULL;
  FOR v_sub IN SELECT * FROM jsonb_array_elements(NEW.on_tables) LOOP
    IF v_sub ->> 'op' IS NULL OR v_sub ->> 'op' NOT IN ('insert', 'update', 'delete') THEN
      v_problems := v_problems || format('@fluxbase:on: %s is not insert, update or delete', v_sub ->> 'op');
      CONTINUE;
    END IF;
    IF v_sub ->> 'schema' IN ('jobs', 'auth', 'toggles', 'fluxbase', 'pg_catalog', 'information_schema') THEN
      v_problems := v_problems || format('@fluxbase:on %s %s.%s: tables of the %s schema cannot start jobs',
        v_sub ->> 'op', v_sub ->> 'schema', v_sub ->> 'table', v_sub ->> 'schema');
      CONTINUE;
    END IF;
    BEGIN
      EXECUTE format('CREATE TRIGGER %I AFTER %s ON %I.%I FOR EACH ROW EXECUTE FUNCTION jobs.enqueue_table_event(%L)',
        'fluxbase_on_' || (v_sub ->> 'op') || '_' || replace(v_fn::text, '-', ''), upper(v_sub ->> 'op'),
        v_sub ->> 'schema', v_sub ->> 'table', v_fn::text);
    EXCEPTION WHEN undefined_table OR invalid_schema_name OR wrong_object_type OR insufficient_privilege THEN
      v_problems := v_problems || format('@fluxbase:on %s %s.%s: %s', v_sub ->> 'op', v_sub ->> 'schema',
        v_sub ->> 'table', SQLERRM);
    END;
  END LOOP;
  IF cardinality(v_problems) > 0 THEN
    NEW.events_error := array_to_string(v_problems, '; ');
  END IF;
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION jobs.functions_table_events() FROM PUBLIC;
CREATE TRIGGER functions_table_events BEFORE INSERT OR UPDATE OF on_tables OR DELETE
  ON jobs.functions FOR EACH ROW EXECUTE FUNCTION jobs.functions_table_events();
