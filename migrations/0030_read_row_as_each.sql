-- Realtime reads a changed row once per subscriber identity, under that identity's role and claims,
-- so row-level security decides who is told. Sent as four statements per identity (savepoint,
-- settings, read, rollback), ten identities cost the server ~1.5 ms of its own CPU per change in
-- the driver alone; this function does the same loop inside Postgres in one statement.
--
-- Each identity runs in a block of its own that always ends in an exception, so its role, its
-- claims and anything its policies set are rolled back before the next one, as the savepoint did.
-- A role without SELECT on the table sees nothing; any other error fails the whole read.
-- Every identity that sees the row sees the same row (policies choose rows, not values), so its
-- JSON is made once, by the first that sees it. The caller runs this in a REPEATABLE READ
-- transaction, so every identity judges the same version of the row.
--
-- A cached plan of a table with row-level security is made again whenever it runs under another
-- role than the one it was made for (~0.2 ms each here), so each role has its own statements: each
-- plan only ever meets one role.
--
-- Only the server's own login role may call it: anyone else could pass claims of their choosing.
CREATE FUNCTION jobs.read_row_as_each(p_table text, p_id text, p_roles text[], p_claims text[],
  p_hidden text[], OUT visible boolean[], OUT row_data jsonb)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_role text;
  v_want boolean;
  v_row jsonb;
BEGIN
  IF cardinality(p_roles) IS DISTINCT FROM cardinality(p_claims) THEN
    RAISE EXCEPTION 'read_row_as_each: % roles but % claims', cardinality(p_roles), cardinality(p_claims);
  END IF;
  IF p_table NOT IN ('jobs.queue', 'jobs.logs', 'jobs.workers') THEN
    RAISE EXCEPTION 'read_row_as_each: % is not a realtime table', p_table;
  END IF;
  visible := array_fill(false, ARRAY[coalesce(cardinality(p_roles), 0)]);
  FOR i IN 1 .. coalesce(cardinality(p_roles), 0) LOOP
    v_role := p_roles[i];
    IF v_role IS NULL OR v_role NOT IN ('anon', 'authenticated', 'service_role') THEN
      RAISE EXCEPTION 'read_row_as_each: refusing to run as role %', v_role;
    END IF;
    v_want := row_data IS NULL;
    BEGIN
      PERFORM set_config('role', v_role, true), set_config('request.jwt.claims', p_claims[i], true);
      IF p_table = 'jobs.queue' THEN
        IF v_role = 'service_role' THEN
          SELECT CASE WHEN v_want THEN to_jsonb(t) - p_hidden END INTO v_row FROM jobs.queue t WHERE t.id = p_id::uuid;
        ELSIF v_role = 'authenticated' THEN
          SELECT CASE WHEN v_want THEN to_jsonb(t) - p_hidden END INTO v_row FROM jobs.queue t WHERE t.id = p_id::uuid;
        ELSE
          SELECT CASE WHEN v_want THEN to_jsonb(t) - p_hidden END INTO v_row FROM jobs.queue t WHERE t.id = p_id::uuid;
        END IF;
      ELSIF p_table = 'jobs.logs' THEN
        IF v_role = 'service_role' THEN
          SELECT CASE WHEN v_want THEN to_jsonb(t) - p_hidden END INTO v_row FROM jobs.logs t WHERE t.id = p_id::bigint;
        ELSIF v_role = 'authenticated' THEN
          SELECT CASE WHEN v_want THEN to_jsonb(t) - p_hidden END INTO v_row FROM jobs.logs t WHERE t.id = p_id::bigint;
        ELSE
          SELECT CASE WHEN v_want THEN to_jsonb(t) - p_hidden END INTO v_row FROM jobs.logs t WHERE t.id = p_id::bigint;
        END IF;
      ELSE
        IF v_role = 'service_role' THEN
          SELECT CASE WHEN v_want THEN to_jsonb(t) - p_hidden END INTO v_row FROM jobs.workers t WHERE t.id = p_id::uuid;
        ELSIF v_role = 'authenticated' THEN
          SELECT CASE WHEN v_want THEN to_jsonb(t) - p_hidden END INTO v_row FROM jobs.workers t WHERE t.id = p_id::uuid;
        ELSE
          SELECT CASE WHEN v_want THEN to_jsonb(t) - p_hidden END INTO v_row FROM jobs.workers t WHERE t.id = p_id::uuid;
        END IF;
      END IF;
      visible[i] := FOUND;
      IF FOUND AND v_want THEN
        row_data := v_row;
      END IF;
      RAISE SQLSTATE 'FBRB0';
    EXCEPTION
      WHEN SQLSTATE 'FBRB0' OR insufficient_privilege THEN
        NULL;
    END;
  END LOOP;
END
$$;

REVOKE ALL ON FUNCTION jobs.read_row_as_each(text, text, text[], text[], text[]) FROM PUBLIC;
