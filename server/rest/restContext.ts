/**
 * What the REST handlers share: the exposed schemas, the schema cache, and the steps every request
 * takes (negotiate the media type, plan against the catalog with one retry after a reload, run as the
 * caller and let a stale-schema error refresh the cache).
 */
import { isPgError } from "../db/pgErrors.ts";
import type { DbIdentity } from "../db/withClaims.ts";
import type { HttpDeps } from "../http/types.ts";
import type { Catalog } from "./catalog.ts";
import type { CatalogCache } from "./catalogCache.ts";
import { RestError } from "./restError.ts";
import type { ResultRow } from "./resultQuery.ts";
import { type RunOptions, runStatement } from "./runStatement.ts";
import type { Statement } from "./sqlText.ts";

export interface RestContext {
  deps: HttpDeps;
  schemas: string[];
  cache: CatalogCache;
}

/** `application/json` (and wildcards) → array; `application/vnd.pgrst.object+json` → object. */
export function acceptShape(accept: string | undefined): "array" | "object" {
  if (!accept?.trim()) return "array";
  const types = accept.split(",").map((type) => type.split(";")[0]!.trim().toLowerCase());
  if (
    types.some(
      (type) => type === "application/vnd.pgrst.object+json" || type === "application/vnd.pgrst.object",
    )
  ) {
    return "object";
  }
  if (types.some((type) => ["application/json", "*/*", "application/*", ""].includes(type))) return "array";
  throw new RestError(
    406,
    "PGRST107",
    `None of these media types are available: ${types.join(", ").slice(0, 200)}`,
  );
}

/** Plans against the cached catalog; a miss (unknown table, column, function) may reload it once. */
export async function withCatalog<T>(
  ctx: RestContext,
  plan: (catalog: Catalog) => T,
): Promise<{ planned: T; catalog: Catalog }> {
  const catalog = await ctx.cache.get();
  try {
    return { planned: plan(catalog), catalog };
  } catch (error) {
    if (!(error instanceof RestError && error.catalogMiss)) throw error;
    const fresher = await ctx.cache.refreshAfterMiss(catalog);
    if (!fresher) throw error;
    return { planned: plan(fresher), catalog: fresher };
  }
}

export async function execute(
  ctx: RestContext,
  identity: DbIdentity,
  catalog: Catalog,
  statement: Statement,
  options: RunOptions,
): Promise<ResultRow> {
  // The catalog version in the text: a statement prepared before a schema change is never reused after
  // it (its parameter types were inferred from the old columns).
  const versioned = { text: `/* rest v${catalog.version} */ ${statement.text}`, params: statement.params };
  try {
    return await runStatement(ctx.deps.sql, identity, versioned, options);
  } catch (error) {
    const code = isPgError(error) ? error.code : undefined;
    // The catalog said the table, column or types fit but Postgres disagrees: the cache may be stale.
    if (code === "42P01" || code === "42703" || code === "42883")
      ctx.cache.refreshAfterMiss(catalog).catch(() => {});
    throw error;
  }
}

export function contentRange(offset: number, rows: number, total: number | null): string {
  return `${rows > 0 ? `${offset}-${offset + rows - 1}` : "*"}/${total ?? "*"}`;
}
