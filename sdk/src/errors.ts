/**
 * The one error type the SDK hands back. It is returned (never thrown) as the `error` half of a
 * `{ data, error }` result, and it keeps every field the server sent.
 */

/** Machine codes the SDK produces itself; server codes (`JOB_NOT_FOUND`, `ROLE_REQUIRED`, ...) pass through. */
export type FluxbaseClientErrorCode =
  | "NETWORK_ERROR"
  | "TIMEOUT"
  | "ABORTED"
  | "HTTP_ERROR"
  | "INVALID_RESPONSE"
  | "VALIDATION_ERROR"
  | "REALTIME_UNAVAILABLE";

/**
 * An error from the server or from the way to it.
 *
 * - `status` is the HTTP status, or `0` when no response arrived (network failure, timeout, abort).
 * - `code` is the server's machine code (e.g. `JOB_NOT_FOUND`) or one of {@link FluxbaseClientErrorCode}.
 * - `context` holds the other fields of the error body, e.g. `required_roles` on `ROLE_REQUIRED`.
 */
export class FluxbaseError extends Error {
  /** Machine-readable code, stable across releases; branch on this, not on `message`. */
  readonly code: string;
  /** HTTP status of the response, or `0` when there was no response. */
  readonly status: number;
  /** Every other field of the server's error body (e.g. `required_roles`); `{}` when there were none. */
  readonly context: Record<string, unknown>;

  constructor(
    message: string,
    code: string,
    status: number,
    context: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "FluxbaseError";
    this.code = code;
    this.status = status;
    this.context = context;
  }

  /** A plain object for logs and `JSON.stringify` (an `Error`'s own fields are not enumerable). */
  toJSON(): { message: string; code: string; status: number; context: Record<string, unknown> } {
    return { message: this.message, code: this.code, status: this.status, context: this.context };
  }
}

/** Turns whatever `fetch` threw into a `NETWORK_ERROR` (or `ABORTED` when the caller aborted). */
export function networkError(what: string, cause: unknown): FluxbaseError {
  if (isAbortError(cause)) return new FluxbaseError(`${what} was aborted`, "ABORTED", 0, {}, { cause });
  const reason = describeCause(cause);
  return new FluxbaseError(`${what} failed: ${reason}`, "NETWORK_ERROR", 0, {}, { cause });
}

function isAbortError(cause: unknown): boolean {
  return typeof cause === "object" && cause !== null && (cause as { name?: unknown }).name === "AbortError";
}

/** Node's fetch says only "fetch failed"; the useful part (ECONNREFUSED ...) is on `cause`. */
function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = (cause as { cause?: unknown }).cause;
  if (inner instanceof Error && inner.message && inner.message !== cause.message) {
    return `${cause.message} (${inner.message})`;
  }
  return cause.message || cause.name;
}
