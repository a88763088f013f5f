/** A job id from the path: a uuid (lower-cased), or a 400 INVALID_ID before any query runs. */
import { badRequest } from "../errors.ts";
import { uuid } from "./schemas.ts";

export function jobIdParam(value: string): string {
  if (!uuid.safeParse(value).success) {
    throw badRequest("INVALID_ID", `Job ids are uuids; got ${JSON.stringify(value.slice(0, 64))}`);
  }
  return value.toLowerCase();
}
