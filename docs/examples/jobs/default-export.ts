/**
 * A default export is called like `handler`. `req` is a POST to `<server>/jobs/<name>` whose JSON
 * body is the payload, so code written for HTTP-triggered functions runs unchanged.
 * @fluxbase:description Echoes its request
 */
import type { FluxbaseClient, JobUtils } from "@fluxbase/sdk";

export default async function (
  req: Request,
  _fluxbase: FluxbaseClient,
  _fluxbaseService: FluxbaseClient,
  job: JobUtils,
) {
  const body = await req.json();
  return {
    method: req.method,
    path: new URL(req.url).pathname,
    body_is_payload: JSON.stringify(body) === JSON.stringify(job.getJobPayload()),
  };
}
