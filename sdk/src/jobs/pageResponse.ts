/** Turns the server's `{ jobs, limit, offset, total }` page into `{ data: jobs, count: total }`. */
import type { FluxbaseListResponse, FluxbaseResponse } from "../response.ts";
import type { Job, JobPage } from "./types.ts";

/** `data` becomes the jobs array and `count` the total number of matching jobs. */
export function pageResponse(response: FluxbaseResponse<JobPage>): FluxbaseListResponse<Job> {
  if (response.error) return { data: null, count: null, error: response.error };
  return {
    data: response.data.jobs,
    count: response.data.total,
    nextCursor: response.data.next_cursor,
    error: null,
  };
}

/** The time and cursor options of a list, as query parameters. */
export function listTimes(options: {
  createdAfter?: Date | string;
  createdBefore?: Date | string;
  cursor?: string;
}): Record<string, string | undefined> {
  const iso = (value: Date | string | undefined) => (value instanceof Date ? value.toISOString() : value);
  return {
    created_after: iso(options.createdAfter),
    created_before: iso(options.createdBefore),
    cursor: options.cursor,
  };
}
