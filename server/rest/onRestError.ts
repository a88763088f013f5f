/**
 * The REST API's error handler: everything leaves in PostgREST's `{ code, message, details, hint }`
 * shape. Postgres errors keep their SQLSTATE and server message (that is PostgREST's contract); the
 * server's own HttpErrors (authentication, body limit) keep their status and carry their code in
 * `details`; a lost database connection is 503; anything else is logged and a bare 500.
 */
import type { Context } from "hono";
import { isConnectionError } from "../db/pgErrors.ts";
import { HttpError } from "../errors.ts";
import { requestLog } from "../http/requestLog.ts";
import type { AppEnv } from "../http/types.ts";
import type { Logger } from "../log.ts";
import { pgErrorToRest } from "./pgErrorToRest.ts";
import { RestError } from "./restError.ts";

function fromHttpError(error: HttpError): RestError {
  const code = error.status === 401 ? (error.code === "TOKEN_EXPIRED" ? "PGRST303" : "PGRST301") : error.code;
  return new RestError(error.status, code, error.message, { details: error.code, cause: error });
}

export function restErrorHandler(serverLogger: Logger) {
  return (error: Error, c: Context<AppEnv>) => {
    const logger = requestLog(c, serverLogger);
    const identity = c.get("identity");
    const anonymous = !identity || identity.dbRole === "anon";
    let rest: RestError | undefined =
      error instanceof RestError
        ? error
        : (pgErrorToRest(error, anonymous) ??
          (error instanceof HttpError ? fromHttpError(error) : undefined));
    if (!rest && isConnectionError(error)) {
      rest = new RestError(503, "PGRST001", "Could not connect to the database", { cause: error });
    }
    if (!rest) {
      logger.error("unhandled error in REST request", {
        method: c.req.method,
        path: c.req.path,
        error: error.message,
        stack: error.stack,
      });
      return c.json({ code: "PGRST000", message: "Internal server error", details: null, hint: null }, 500);
    }
    if (rest.status >= 500) logger.error("REST request failed", { code: rest.code, message: rest.message });
    return c.json(rest.body(), rest.status as 400);
  };
}
