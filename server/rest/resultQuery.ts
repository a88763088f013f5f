/**
 * The outer query every REST statement ends with: one row holding the total count (when asked for),
 * the number of rows in this page, and the response body as JSON text built by Postgres itself (so
 * numbers, timestamps and json values come out exactly as PostgREST prints them).
 */
import type { Page } from "./parsePaging.ts";
import type { Params } from "./sqlText.ts";

/** array: `[...]`; object: the first row; scalar(s): a function's plain value(s); none: no body. */
export type BodyShape = "array" | "object" | "none" | "scalar" | "scalars";

export interface ResultQuery {
  /** Common table expressions, each `name as (...)`. */
  ctes: string[];
  /** The relation with its alias, e.g. `"public"."todos" as _t`. */
  from: string;
  columns: string[];
  where?: string;
  order?: string;
  page: Page;
  /** Also count every row the filters match, ignoring the page. */
  count: boolean;
  shape: BodyShape;
  /** The quoted output column of a scalar function. */
  scalarColumn?: string;
}

export interface ResultRow {
  total: number | null;
  pageTotal: number;
  body: string | null;
}

export function resultQuery(query: ResultQuery, params: Params): string {
  const where = query.where ? ` where ${query.where}` : "";
  const order = query.order ? ` order by ${query.order}` : "";
  const limit = query.page.limit === undefined ? "" : ` limit ${params.add(String(query.page.limit))}`;
  const offset = query.page.offset === 0 ? "" : ` offset ${params.add(String(query.page.offset))}`;
  const total = query.count ? `(select count(*) from ${query.from}${where})` : "null";
  const scalar = `_p.${query.scalarColumn ?? '"?"'}`;
  const body = {
    array: `coalesce(json_agg(_p.*), '[]')::text`,
    object: `(json_agg(_p.*)->0)::text`,
    none: "null::text",
    scalar: `(json_agg(${scalar})->0)::text`,
    scalars: `coalesce(json_agg(${scalar}), '[]')::text`,
  }[query.shape];
  const ctes = query.ctes.length > 0 ? `with ${query.ctes.join(", ")} ` : "";
  const page = `select ${query.columns.join(", ")} from ${query.from}${where}${order}${limit}${offset}`;
  return `${ctes}select ${total}::int8 as total, count(*)::int8 as page_total, ${body} as body from (${page}) as _p`;
}

export function toResultRow(row: {
  total: string | null;
  page_total: string;
  body: string | null;
}): ResultRow {
  return {
    total: row.total === null ? null : Number(row.total),
    pageTotal: Number(row.page_total),
    body: row.body,
  };
}
