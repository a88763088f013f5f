-- A row's updated_at only moves forward. It was the writing transaction's start time (now()), so a
-- write whose transaction began earlier but took the row lock later stamped the row with an older
-- time than the write before it, and a reader that keeps the newest version (the admin view, any
-- client comparing updated_at) took the newer state for the stale one. Now it is the time of the
-- write itself, after the row lock, never before the previous one.
CREATE OR REPLACE FUNCTION jobs.queue_before_update() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF current_user = 'authenticated' AND NOT auth.is_admin() THEN
    IF OLD.status = 'pending' AND NEW.status = 'pending' AND OLD.overlap_mode = 'dedupe'
       AND (to_jsonb(NEW) - 'payload' - 'scheduled_at' - 'updated_at' - 'next_attempt_at')
         IS NOT DISTINCT FROM (to_jsonb(OLD) - 'payload' - 'scheduled_at' - 'updated_at' - 'next_attempt_at')
    THEN
      NEW.updated_at := greatest(clock_timestamp(), OLD.updated_at);
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
  NEW.updated_at := greatest(clock_timestamp(), OLD.updated_at);
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
