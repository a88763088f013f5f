/**
 * Keeps a run's write (its result, error, progress or logs) until the database takes it. A failure
 * that says the database is away or busy (see isTransientDbError) is retried with capped exponential
 * backoff and jitter, across reconnects, for as long as the outage lasts; the write's own answer
 * ("lost" for a fenced write whose lease is gone) ends it like any other answer. Any other error is
 * thrown at once, and so is the last transient one when `giveUp()` says the write no longer matters.
 */
import { isTransientDbError } from "../db/pgErrors.ts";

export interface UntilLandedOptions {
  /** Checked after each failure; true stops retrying (the process is stopping, the lease is gone). */
  giveUp?: () => boolean;
  /** Called once per failed try that will be retried. */
  onRetry?: (error: unknown, tries: number) => void;
  /** @default 100 */
  baseMs?: number;
  /** @default 2000 */
  maxMs?: number;
}

export async function untilLanded<T>(write: () => Promise<T>, options: UntilLandedOptions = {}): Promise<T> {
  const { baseMs = 100, maxMs = 2000 } = options;
  for (let tries = 1; ; tries++) {
    try {
      return await write();
    } catch (error) {
      if (!isTransientDbError(error) || options.giveUp?.()) throw error;
      options.onRetry?.(error, tries);
      const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(tries - 1, 16));
      await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + (Math.random() * ceiling) / 2));
    }
  }
}
