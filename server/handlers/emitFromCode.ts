/**
 * `ctx.events.emit(name, payload, options)` for trusted handlers: the same emit as
 * `POST /api/v1/events`, as the service role (so every subscriber may be started), on the given
 * transaction when there is one, so the event and its jobs exist only if that transaction commits.
 */
import type { Sql, Tx } from "../db/createSql.ts";
import { asService } from "../db/withClaims.ts";
import { emitEvent } from "../events/emitEvent.ts";
import { serviceCaller } from "./enqueueJob.ts";
import type { HandlerRegistry } from "./handlerRegistry.ts";
import type { HandlerEvents } from "./types.ts";

export function createEmit(sql: Sql, registry: HandlerRegistry): HandlerEvents["emit"] {
  return (name, payload = {}, options = {}) => {
    const emit = (tx: Tx) =>
      emitEvent(tx, serviceCaller, name, payload, { checkPayload: registry.checkPayload });
    return options.sql ? emit(options.sql as Tx) : asService(sql, emit);
  };
}
