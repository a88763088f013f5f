/** Turns the server's `{ jobs, limit, offset, total }` page into `{ data: jobs, count: total }`. */
import type { FluxbaseListResponse, FluxbaseResponse } from "../response.ts";
import type { Job, JobPage } from "./types.ts";

/** `data` becomes the jobs array and `count` the total number of matching jobs. */
export function pageResponse(response: FluxbaseResponse<JobPage>): FluxbaseListResponse<Job> {
  if (response.error) return { data: null, count: null, error: response.error };
  return { data: response.data.jobs, count: response.data.total, error: null };
}
