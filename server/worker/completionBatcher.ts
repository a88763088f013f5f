/**
 * Writes the results of runs that finish close together in one statement instead of one each:
 * calls made in the same turn of the event loop (up to `maxBatch`) share a write, and while a write
 * is in flight the results that arrive wait for it and go together in the next one (group commit:
 * under load a batch grows to what arrives during one write; idle, a result is written at once).
 * Each caller still learns whether its own lease held. A transient failure fails every caller of
 * that batch; each retries on its own (startRun's `landed`), joining a later batch. A refused result
 * is written alone, so it fails only its own run.
 */
import type { Sql } from "../db/createSql.ts";
import { isTransientDbError } from "../db/pgErrors.ts";
import { completeJob, completeJobs, type Lease } from "../queue/finishJob.ts";

export interface CompletionBatcher {
  complete(lease: Lease, result: unknown): Promise<boolean>;
}

interface Waiting {
  lease: Lease;
  result: unknown;
  resolve(won: boolean): void;
  reject(error: unknown): void;
}

export function createCompletionBatcher(sql: Sql, maxBatch = 500): CompletionBatcher {
  const waiting: Waiting[] = [];
  let scheduled = false;
  let writing = false;

  async function flush(): Promise<void> {
    scheduled = false;
    const batch = waiting.splice(0, maxBatch);
    if (batch.length === 0) return;
    writing = true;
    try {
      await write(batch);
    } finally {
      writing = false;
      if (waiting.length > 0) schedule();
    }
  }

  async function write(batch: Waiting[]): Promise<void> {
    try {
      const won = await completeJobs(
        sql,
        batch.map(({ lease, result }) => ({ lease, result })),
      );
      for (const item of batch) item.resolve(won.has(item.lease.id));
    } catch (error) {
      if (batch.length === 1 || isTransientDbError(error)) {
        for (const item of batch) item.reject(error);
        return;
      }
      // One result the database refuses (too deep, not storable) must not fail the others.
      await Promise.all(
        batch.map((item) => completeJob(sql, item.lease, item.result).then(item.resolve, item.reject)),
      );
    }
  }

  function schedule(): void {
    if (scheduled || writing) return;
    scheduled = true;
    setImmediate(() => void flush());
  }

  return {
    complete(lease, result) {
      return new Promise<boolean>((resolve, reject) => {
        waiting.push({ lease, result, resolve, reject });
        schedule();
      });
    },
  };
}
