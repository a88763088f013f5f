/** GET/HEAD on a table or view: one statement that selects, filters, orders, pages and counts. */
import { type Catalog, findRelation } from "./catalog.ts";
import { parsePage } from "./parsePaging.ts";
import type { RequestQuery } from "./parseQuery.ts";
import { parseSelect } from "./parseSelect.ts";
import { renderOrder, renderWhere } from "./renderFilter.ts";
import { checkEmbeddedParams, type RelationScope, type RenderContext, renderSelect } from "./renderSelect.ts";
import { type BodyShape, resultQuery } from "./resultQuery.ts";
import { Params, quoteIdent, type Statement } from "./sqlText.ts";

export interface ReadOptions {
  count: boolean;
  shape: BodyShape;
  /** The Range header and its unit, used when the query has no limit/offset. */
  range?: string;
  rangeUnit?: string;
}

export interface ReadPlan {
  statement: Statement;
  offset: number;
}

export function buildRead(
  catalog: Catalog,
  schema: string,
  name: string,
  query: RequestQuery,
  options: ReadOptions,
): ReadPlan {
  const relation = findRelation(catalog, schema, name);
  const params = new Params();
  const scope: RelationScope = { label: relation.name, alias: "_t", columns: relation.columns, relation };
  const ctx: RenderContext = { catalog, params, query, embedded: new Set(), aliases: 0 };
  const selected = renderSelect(ctx, scope, parseSelect(query.select));
  checkEmbeddedParams(ctx);
  const filters = renderWhere(scope, query.root.filters, params);
  const where = [...(filters ? [filters] : []), ...selected.conditions].join(" and ");
  const page = parsePage(query.root.limit, query.root.offset, options.range, options.rangeUnit);
  const order = renderOrder(scope, query.root.order, params);
  const text = resultQuery(
    {
      ctes: [],
      from: `${quoteIdent(relation.schema)}.${quoteIdent(relation.name)} as _t`,
      columns: selected.columns,
      ...(where ? { where } : {}),
      ...(order ? { order } : {}),
      page,
      count: options.count,
      shape: options.shape,
    },
    params,
  );
  return { statement: { text, params: params.values }, offset: page.offset };
}
