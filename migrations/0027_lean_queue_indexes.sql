-- A change of a job's status can't be a HOT update (status is indexed), so it adds an entry to every
-- index on jobs.queue that is not partial, and to each partial one whose predicate the new row meets:
-- a job from submit to completed wrote 16 index entries. Three indexes served lookups that others
-- serve as well:
--   queue_status_idx (namespace, status), on every version of every row, served the claim's count of
--     running jobs per namespace and its walk over the namespaces with pending jobs; the first is now
--     queue_running_idx (running rows only), the second queue_pending_namespace_idx (0008), which
--     leads with the namespace.
--   queue_running_worker_idx (worker_id) served the dead-worker reaper, which reads all running rows
--     anyway (expired leases or dead workers): queue_running_idx holds them.
--   queue_claim_idx (priority, due time) of pending rows: every claim reads pending rows by namespace,
--     through queue_pending_namespace_idx, in that same order.
-- Now 12 entries: 4 at submit, 4 at the claim, 4 at completion.
DROP INDEX jobs.queue_status_idx;
DROP INDEX jobs.queue_running_worker_idx;
DROP INDEX jobs.queue_claim_idx;
CREATE INDEX queue_running_idx ON jobs.queue (namespace) WHERE status = 'running';

-- The statement trigger joins a claim's or a completion's old and new rows by id. The planner can't
-- count the rows of a transition table and took a nested loop: rows² comparisons per statement
-- (10,000 for a claim of 100). A hash join is linear.
ALTER FUNCTION jobs.queue_after_update() SET enable_nestloop = off;
