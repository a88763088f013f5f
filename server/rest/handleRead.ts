/** GET and HEAD on `/rest/v1/<relation>`. */
import type { Context } from "hono";
import type { AppEnv } from "../http/types.ts";
import { buildRead } from "./buildRead.ts";
import { requestSchema } from "./exposedSchemas.ts";
import { parseQuery } from "./parseQuery.ts";
import { parsePreferences } from "./preferences.ts";
import { acceptShape, contentRange, execute, type RestContext, withCatalog } from "./restContext.ts";
import { notOneRow, RestError } from "./restError.ts";
import type { ResultRow } from "./resultQuery.ts";

export async function handleRead(ctx: RestContext, c: Context<AppEnv>): Promise<Response> {
  const head = c.req.method === "HEAD";
  const schema = requestSchema(c.req.method, (name) => c.req.header(name), ctx.schemas);
  const prefs = parsePreferences(c.req.header("prefer"));
  const shape = acceptShape(c.req.header("accept"));
  const query = parseQuery(new URL(c.req.url).searchParams);
  const { planned, catalog } = await withCatalog(ctx, (cat) =>
    buildRead(cat, schema, c.req.param("relation")!, query, {
      count: prefs.count !== undefined,
      shape: head ? "none" : shape,
      range: c.req.header("range"),
      rangeUnit: c.req.header("range-unit"),
    }),
  );
  const row = await execute(ctx, c.get("identity"), catalog, planned.statement, { readOnly: true });
  return respondRows(c, row, {
    offset: planned.offset,
    object: shape === "object",
    head,
    applied: prefs.applied,
  });
}

/** A page of rows: Content-Range, 206 for part of a counted set, 416 past its end, 406 for `.single()`. */
export function respondRows(
  c: Context<AppEnv>,
  row: ResultRow,
  options: { offset: number; object: boolean; head: boolean; applied: string[] },
): Response {
  if (options.object && row.pageTotal !== 1) throw notOneRow(row.pageTotal);
  const { total } = row;
  if (total !== null && options.offset > total) {
    throw new RestError(416, "PGRST103", "Requested range not satisfiable", {
      details: `An offset of ${options.offset} was requested, but there are only ${total} rows.`,
    });
  }
  const headers: Record<string, string> = {
    "content-type": options.object
      ? "application/vnd.pgrst.object+json; charset=utf-8"
      : "application/json; charset=utf-8",
    "content-range": contentRange(options.offset, row.pageTotal, total),
  };
  if (options.applied.length > 0) headers["preference-applied"] = options.applied.join(", ");
  const status = total !== null && row.pageTotal < total ? 206 : 200;
  if (options.head) return c.body(null, status as 200, headers);
  return c.body(row.body ?? "[]", status as 200, headers);
}
