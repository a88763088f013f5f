/** Maps Postgres errors (by SQLSTATE) onto the HTTP errors callers understand; the cause is kept. */
import { HttpError } from "../errors.ts";

interface PgLikeError {
  code?: string;
  message?: string;
  detail?: string;
  constraint_name?: string;
}

export function isPgError(error: unknown): error is PgLikeError & Error {
  return error instanceof Error && typeof (error as PgLikeError).code === "string" && "severity" in error;
}

export function pgErrorToHttp(error: unknown): HttpError | undefined {
  if (!isPgError(error)) return undefined;
  const wrap = (status: number, code: string, message: string, context: Record<string, unknown> = {}) =>
    new HttpError(status, code, message, context, { cause: error });
  switch (error.code) {
    case "23505":
      return wrap(409, "DUPLICATE", "A record with the same unique key already exists", {
        constraint: error.constraint_name,
      });
    case "23503":
      return wrap(409, "REFERENCE_VIOLATION", "The record refers to something that does not exist");
    case "23514":
    case "23502":
    case "22001":
    case "22003":
    case "22007":
    case "22008":
    case "22023":
      return wrap(400, "INVALID_VALUE", error.message ?? "Invalid value");
    case "22P02":
      return wrap(400, "INVALID_VALUE", error.message ?? "Invalid input syntax");
    case "22P05":
    case "22021":
      return wrap(400, "INVALID_TEXT", "Text may not contain NUL characters or invalid Unicode");
    case "42501":
      return wrap(403, "PERMISSION_DENIED", "Row-level security does not allow this");
    case "P0409":
      return wrap(409, "INVALID_STATE", error.message ?? "The record is not in a state that allows this");
    case "54000":
      return wrap(413, "VALUE_TOO_LARGE", "A value is too large");
    default:
      return undefined;
  }
}
