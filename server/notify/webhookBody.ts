/** The JSON a webhook delivers: `{ id, event, created_at, job }`, the job as the API shows it to an admin. */
import { jobColumnsWithResult } from "../queue/jobRow.ts";

const timestampColumns = new Set([
  "created_at",
  "updated_at",
  "scheduled_at",
  "started_at",
  "last_progress_at",
  "completed_at",
]);

/** The job snapshot the outbox trigger took, reduced to the API's columns, timestamps in ISO form. */
export function jobAsApi(snapshot: Record<string, unknown>): Record<string, unknown> {
  const job: Record<string, unknown> = {};
  for (const column of jobColumnsWithResult) {
    const value = snapshot[column] ?? null;
    job[column] =
      timestampColumns.has(column) && typeof value === "string" ? new Date(value).toISOString() : value;
  }
  return job;
}

export function webhookBody(
  id: string,
  event: string,
  createdAt: Date,
  snapshot: Record<string, unknown>,
): string {
  return JSON.stringify({ id, event, created_at: createdAt.toISOString(), job: jobAsApi(snapshot) });
}
