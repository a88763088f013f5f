/** The one place errors become responses: known errors keep their status and code, the rest is a bare 500. */
import type { Context } from "hono";
import { isTransientDbError, pgErrorToHttp } from "../db/pgErrors.ts";
import { HttpError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { requestLog } from "./requestLog.ts";

export function createErrorHandler(serverLogger: Logger) {
  return (error: Error, c: Context) => {
    const logger = requestLog(c, serverLogger);
    const known =
      error instanceof HttpError
        ? error
        : error.name === "BodyLimitError"
          ? // A streamed body passed its route's cap while being read; limitBody answers with the cap.
            new HttpError(413, "PAYLOAD_TOO_LARGE", "The request body is too large")
          : (pgErrorToHttp(error) ??
            (isTransientDbError(error)
              ? new HttpError(
                  503,
                  "DATABASE_UNAVAILABLE",
                  "The database is unavailable right now; try again shortly",
                  {},
                  { cause: error },
                )
              : undefined));
    if (known) {
      if (known.status === 503) {
        // Transient (database restarting, out of connections): clients should come back soon.
        logger.warn(known.message, { code: known.code });
        c.header("Retry-After", "1");
      } else if (known.status >= 500) logger.error(known.message, { code: known.code });
      return c.json(known.toJSON(), known.status as 400);
    }
    logger.error("unhandled error in request", {
      method: c.req.method,
      path: c.req.path,
      error: error.message,
      stack: error.stack,
    });
    return c.json({ error: "Internal server error", code: "INTERNAL" }, 500);
  };
}
