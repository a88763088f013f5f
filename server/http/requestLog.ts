/** The server's logger for lines about one request: each carries the request's id (see log.ts). */
import type { Context } from "hono";
import { type Logger, withFields } from "../log.ts";

export function requestLog(c: Context, logger: Logger): Logger {
  const id: unknown = c.get("requestId");
  return typeof id === "string" ? withFields(logger, { request_id: id }) : logger;
}
