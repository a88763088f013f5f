/**
 * POST, PATCH and DELETE on `/rest/v1/<relation>`. `Prefer: return=minimal` (the default) answers
 * 201/204 without a body, `representation` with the rows, `headers-only` with a Location. A write that
 * asked for one object (`.single()`) but touched another number of rows is rolled back, and so is one
 * that exceeds `Prefer: handling=strict, max-affected=<n>`.
 */
import type { Context } from "hono";
import type { AppEnv } from "../http/types.ts";
import { buildDelete, buildInsert, buildUpdate, type WriteRequest } from "./buildWrite.ts";
import { requestSchema } from "./exposedSchemas.ts";
import { parseQuery } from "./parseQuery.ts";
import { parsePreferences } from "./preferences.ts";
import { acceptShape, contentRange, execute, type RestContext, withCatalog } from "./restContext.ts";
import { notOneRow, RestError } from "./restError.ts";
import type { ResultRow } from "./resultQuery.ts";
import type { Statement } from "./sqlText.ts";

const builders: Record<string, (req: WriteRequest) => Statement> = {
  POST: buildInsert,
  PATCH: buildUpdate,
  DELETE: buildDelete,
};

export async function handleWrite(ctx: RestContext, c: Context<AppEnv>): Promise<Response> {
  const method = c.req.method;
  const schema = requestSchema(method, (name) => c.req.header(name), ctx.schemas);
  const prefs = parsePreferences(c.req.header("prefer"));
  const shape = acceptShape(c.req.header("accept"));
  const query = parseQuery(new URL(c.req.url).searchParams);
  const body = method === "DELETE" ? "" : await c.req.text();
  const name = c.req.param("relation")!;
  const { planned, catalog } = await withCatalog(ctx, (cat) =>
    builders[method]!({ catalog: cat, schema, name, query, prefs, shape, body }),
  );
  const verdict = (row: ResultRow) => {
    if (shape === "object" && row.pageTotal !== 1) return notOneRow(row.pageTotal);
    if (prefs.maxAffected !== undefined && row.pageTotal > prefs.maxAffected) {
      return new RestError(400, "PGRST124", "Query result exceeds max-affected preference constraint", {
        details: `The query affects ${row.pageTotal} rows`,
      });
    }
    return undefined;
  };
  const needsVerdict = shape === "object" || prefs.maxAffected !== undefined;
  const row = await execute(ctx, c.get("identity"), catalog, planned, {
    readOnly: false,
    rollback: prefs.rollback,
    ...(needsVerdict ? { verdict } : {}),
  });
  const headers: Record<string, string> = {
    "content-range":
      method === "POST"
        ? `*/${prefs.count ? row.pageTotal : "*"}`
        : contentRange(0, row.pageTotal, prefs.count ? row.pageTotal : null),
  };
  if (prefs.applied.length > 0) headers["preference-applied"] = prefs.applied.join(", ");
  if (prefs.return === "headers-only" && method === "POST") {
    const location = locationOf(name, row.body);
    if (location) headers.location = location;
  }
  const status = method === "POST" ? 201 : prefs.return === "representation" ? 200 : 204;
  if (prefs.return !== "representation") return c.body(null, status as 201, headers);
  headers["content-type"] =
    shape === "object"
      ? "application/vnd.pgrst.object+json; charset=utf-8"
      : "application/json; charset=utf-8";
  return c.body(row.body ?? (shape === "object" ? "null" : "[]"), status as 201, headers);
}

/** `/<relation>?id=eq.1` for the first inserted row's primary key. */
function locationOf(relation: string, body: string | null): string | undefined {
  const first = (body ? (JSON.parse(body) as Record<string, unknown>[]) : [])[0];
  if (!first || Object.keys(first).length === 0 || "_row" in first) return undefined;
  const filters = Object.entries(first).map(
    ([column, value]) => `${encodeURIComponent(column)}=eq.${encodeURIComponent(String(value))}`,
  );
  return `/${encodeURIComponent(relation)}?${filters.join("&")}`;
}
