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

/** Node and postgres.js codes for a connection that failed or went away mid-query. */
const connectionCodes = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

/** SQLSTATEs that say "not now" rather than "never": retrying the same statement later may succeed. */
const transientStates = new Set([
  "57P01", // admin_shutdown: the server is stopping
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now: starting up or in recovery
  "53300", // too_many_connections
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "55P03", // lock_not_available (lock_timeout)
  "25P03", // idle_in_transaction_session_timeout
  "57014", // query_canceled (statement_timeout)
]);

/** True when the connection to the database failed or went away (not a statement's own error). */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (connectionCodes.has(code) || code.startsWith("08"));
}

/**
 * True when a database call failed because the database was unreachable or busy, not because the
 * statement is wrong: the write it carried is worth keeping and trying again.
 */
export function isTransientDbError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return isConnectionError(error) || (typeof code === "string" && transientStates.has(code));
}
