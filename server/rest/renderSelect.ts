/**
 * The select list as SQL: columns with their output names, casts, JSON paths, and embedded resources
 * as correlated subqueries (an object for a to-one relationship, an array for a to-many one). An
 * `!inner` embed also filters the parent through an `exists` condition.
 */
import { type Catalog, findType, type Relation } from "./catalog.ts";
import { fieldLabel } from "./parseField.ts";
import { parsePage } from "./parsePaging.ts";
import type { RequestQuery } from "./parseQuery.ts";
import type { SelectItem } from "./parseSelect.ts";
import { renderField, renderOrder, renderWhere, type Scope } from "./renderFilter.ts";
import { resolveEmbed } from "./resolveEmbed.ts";
import { parseError, RestError } from "./restError.ts";
import { checkAlias, type Params, quoteIdent } from "./sqlText.ts";

export interface RenderContext {
  catalog: Catalog;
  params: Params;
  query: RequestQuery;
  /** Embedding paths that appear in the select list (filters on any other path are refused). */
  embedded: Set<string>;
  aliases: number;
}

export interface RelationScope extends Scope {
  relation?: Relation;
}

export interface RenderedSelect {
  columns: string[];
  /** Conditions the parent must meet (`!inner` embeds). */
  conditions: string[];
}

export function renderSelect(
  ctx: RenderContext,
  scope: RelationScope,
  items: SelectItem[],
  path: string[] = [],
): RenderedSelect {
  const out: RenderedSelect = { columns: [], conditions: [] };
  for (const item of items) {
    if (item.kind === "star") {
      out.columns.push(`${scope.alias}.*`);
    } else if (item.kind === "field") {
      const cast = item.cast ? `::${findType(ctx.catalog, item.cast)}` : "";
      // A JSON key becomes the output name: past 63 bytes Postgres would truncate it, so it needs an alias.
      const name = item.alias ?? checkAlias(fieldLabel(item.field));
      out.columns.push(`${renderField(scope, item.field, ctx.params)}${cast} as ${quoteIdent(name)}`);
    } else {
      if (item.spread) throw parseError("Spread embeds (...relation) are not supported");
      const name = item.alias ?? item.relation;
      const { fk, toOne, target } = resolveEmbed(ctx.catalog, scope.relation, item.relation, item.hint);
      const child: RelationScope = {
        label: target.name,
        alias: `_t${++ctx.aliases}`,
        columns: target.columns,
        relation: target,
      };
      const childPath = [...path, name];
      const key = childPath.join(".");
      ctx.embedded.add(key);
      const scoped = ctx.query.embedded.get(key) ?? { filters: [], order: [] };
      const pairs = fk.columns.map((column, i) => [column, fk.refColumns[i]!] as const);
      const join = pairs.map(([own, ref]) =>
        toOne
          ? `${child.alias}.${quoteIdent(ref)} = ${scope.alias}.${quoteIdent(own)}`
          : `${child.alias}.${quoteIdent(own)} = ${scope.alias}.${quoteIdent(ref)}`,
      );
      const inner = renderSelect(
        ctx,
        child,
        item.items.length > 0 ? item.items : [{ kind: "star" }],
        childPath,
      );
      const filters = renderWhere(child, scoped.filters, ctx.params);
      const where = [...join, ...(filters ? [filters] : []), ...inner.conditions].join(" and ");
      const from = `${quoteIdent(target.schema)}.${quoteIdent(target.name)} as ${child.alias}`;
      const order = renderOrder(child, scoped.order, ctx.params);
      const page = parsePage(scoped.limit, scoped.offset, undefined, undefined);
      const paging =
        (page.limit === undefined ? "" : ` limit ${ctx.params.add(String(page.limit))}`) +
        (page.offset === 0 ? "" : ` offset ${ctx.params.add(String(page.offset))}`);
      const sub = `select ${inner.columns.join(", ") || "1"} from ${from} where ${where}${order ? ` order by ${order}` : ""}${paging}`;
      out.columns.push(
        toOne
          ? `(select to_json(_e.*) from (${sub}) as _e) as ${quoteIdent(name)}`
          : `(select coalesce(json_agg(_e.*), '[]') from (${sub}) as _e) as ${quoteIdent(name)}`,
      );
      if (item.inner) out.conditions.push(`exists (select 1 from ${from} where ${where})`);
    }
  }
  return out;
}

/** Filters, order or paging addressed to an embedding path the select list does not have. */
export function checkEmbeddedParams(ctx: RenderContext): void {
  for (const key of ctx.query.embedded.keys()) {
    if (!ctx.embedded.has(key)) {
      throw new RestError(400, "PGRST108", `'${key}' is not an embedded resource in this request`, {
        hint: `Verify that '${key}' is included in the 'select' query parameter.`,
      });
    }
  }
}
