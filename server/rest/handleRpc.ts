/**
 * `/rest/v1/rpc/<fn>`: POST with a JSON object of named arguments, or GET/HEAD with them in the query
 * string. GET and HEAD run in a read-only transaction, so a function that writes fails there (405) and
 * only works through POST. A function returning void answers 204.
 */
import type { Context } from "hono";
import type { AppEnv } from "../http/types.ts";
import { parseJson } from "../parseJson.ts";
import { buildRpc } from "./buildRpc.ts";
import { requestSchema } from "./exposedSchemas.ts";
import { respondRows } from "./handleRead.ts";
import { parsePreferences } from "./preferences.ts";
import { acceptShape, execute, type RestContext, withCatalog } from "./restContext.ts";
import { notOneRow, RestError } from "./restError.ts";
import type { ResultRow } from "./resultQuery.ts";

const reserved = new Set(["select", "order", "limit", "offset", "columns", "on_conflict", "or", "and"]);

export async function handleRpc(ctx: RestContext, c: Context<AppEnv>): Promise<Response> {
  const method = c.req.method;
  const get = method === "GET" || method === "HEAD";
  const schema = requestSchema(method, (name) => c.req.header(name), ctx.schemas);
  const prefs = parsePreferences(c.req.header("prefer"));
  const shape = acceptShape(c.req.header("accept"));
  const search = new URL(c.req.url).searchParams;
  let args: Record<string, unknown> = {};
  let body: string | undefined;
  if (get) {
    for (const [key, value] of search) if (!reserved.has(key)) args[key] ??= value;
  } else {
    body = await c.req.text();
    args = parseArgs(body);
  }
  const { planned, catalog } = await withCatalog(ctx, (cat) =>
    buildRpc({
      catalog: cat,
      schema,
      name: c.req.param("fn")!,
      args,
      ...(body === undefined ? {} : { body: body.trim() === "" ? "{}" : body }),
      search,
      singleObject: prefs.singleObject,
      wantObject: shape === "object",
      count: prefs.count !== undefined,
      range: c.req.header("range"),
      rangeUnit: c.req.header("range-unit"),
      get,
    }),
  );
  const verdict = (row: ResultRow) => (row.pageTotal !== 1 ? notOneRow(row.pageTotal) : undefined);
  const row = await execute(ctx, c.get("identity"), catalog, planned.statement, {
    readOnly: get,
    rollback: prefs.rollback,
    ...(shape === "object" && !get ? { verdict } : {}),
  });
  if (planned.returnsVoid) return c.body(null, 204);
  return respondRows(c, row, {
    offset: planned.offset,
    object: shape === "object",
    head: method === "HEAD",
    applied: prefs.applied,
  });
}

/** The POST body's named arguments; a body that is not an object only suits a single-json function. */
function parseArgs(body: string): Record<string, unknown> {
  if (body.trim() === "") return {};
  let value: unknown;
  try {
    value = parseJson(body);
  } catch (error) {
    throw new RestError(400, "PGRST102", "Empty or invalid json", {
      details: error instanceof Error ? error.message : null,
    });
  }
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
