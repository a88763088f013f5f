-- Retention: finished jobs (and, by cascade, their logs) are deleted once older than the configured
-- age, in bounded batches, by one process at a time; admins can purge on demand.
-- The index keeps each batch's search cheap however large the table grows.
CREATE INDEX queue_finished_idx ON jobs.queue (status, completed_at)
  WHERE status IN ('completed', 'failed', 'cancelled');

-- Admins purge through DELETE /api/v1/admin/jobs/queue as themselves: the "Admins can manage all
-- jobs" policy lets them; no policy lets other users delete.
GRANT DELETE ON jobs.queue TO authenticated;
