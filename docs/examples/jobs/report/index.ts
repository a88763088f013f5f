/**
 * A function in a folder: `report/index.ts` is the function "report". Shared code comes from
 * `_shared/`, once through the `@shared/` entry of `deno.json`, once by a relative path.
 * @fluxbase:description Summarises a list of numbers
 * @fluxbase:timeout 60
 */
import type { FluxbaseClient, JobUtils } from "@fluxbase/sdk";
import { summarise } from "@shared/stats.ts";
import { formatNumber } from "../_shared/format.ts";

export async function handler(
  _req: Request,
  _fluxbase: FluxbaseClient,
  _fluxbaseService: FluxbaseClient,
  job: JobUtils,
) {
  const { values } = job.getJobPayload<{ values: number[] }>();
  const summary = summarise(values);
  return { ...summary, mean_text: formatNumber(summary.mean) };
}
