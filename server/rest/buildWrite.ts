/**
 * POST (insert and upsert), PATCH and DELETE as one statement each: the write runs in a
 * `pgrst_source` CTE and the shared result query counts its rows and, for `return=representation`,
 * builds the body from them (with the request's select list, embeds included).
 */
import { type Catalog, findColumn, findRelation, type Relation } from "./catalog.ts";
import type { RequestQuery } from "./parseQuery.ts";
import { parseSelect } from "./parseSelect.ts";
import type { Preferences } from "./preferences.ts";
import { renderWhere } from "./renderFilter.ts";
import { checkEmbeddedParams, type RelationScope, type RenderContext, renderSelect } from "./renderSelect.ts";
import { RestError } from "./restError.ts";
import { type BodyShape, resultQuery } from "./resultQuery.ts";
import { Params, quoteIdent, type Statement } from "./sqlText.ts";
import { groupByColumns, readPayload } from "./writePayload.ts";

export interface WriteRequest {
  catalog: Catalog;
  schema: string;
  name: string;
  query: RequestQuery;
  prefs: Preferences;
  /** array or object for return=representation, else none. */
  shape: BodyShape;
  body: string;
}

const table = (relation: Relation) => `${quoteIdent(relation.schema)}.${quoteIdent(relation.name)}`;

function returning(relation: Relation, prefs: Preferences): string {
  if (prefs.return === "representation") return "_t.*";
  if (prefs.return === "headers-only" && relation.primaryKey.length > 0) {
    return relation.primaryKey.map((column) => `_t.${quoteIdent(column)}`).join(", ");
  }
  return "1 as _row";
}

/** The result query over `pgrst_source`: the select list for representation, primary keys for Location. */
function finish(req: WriteRequest, relation: Relation, params: Params, ctes: string[]): Statement {
  const scope: RelationScope = { label: relation.name, alias: "_t", columns: relation.columns, relation };
  let columns: string[] = ["1 as _row"];
  if (req.prefs.return === "representation") {
    const ctx: RenderContext = {
      catalog: req.catalog,
      params,
      query: req.query,
      embedded: new Set(),
      aliases: 0,
    };
    const selected = renderSelect(ctx, scope, parseSelect(req.query.select));
    checkEmbeddedParams(ctx);
    columns = selected.columns;
  } else if (req.prefs.return === "headers-only" && relation.primaryKey.length > 0) {
    columns = relation.primaryKey.map((column) => `_t.${quoteIdent(column)}`);
  }
  const shape =
    req.prefs.return === "minimal" ? "none" : req.prefs.return === "headers-only" ? "array" : req.shape;
  const text = resultQuery(
    { ctes, from: "pgrst_source as _t", columns, page: { offset: 0 }, count: false, shape },
    params,
  );
  return { text, params: params.values };
}

export function buildInsert(req: WriteRequest): Statement {
  const relation = findRelation(req.catalog, req.schema, req.name);
  const payload = readPayload(req.body, relation, req.query.columns, true);
  const params = new Params();
  const groups = req.prefs.missingDefault
    ? groupByColumns(payload)
    : [{ columns: payload.columns, text: payload.text }];
  const conflict = onConflict(req, relation);
  const inserts = groups.map((group, i) => {
    const names = group.columns.map(quoteIdent);
    const list = names.length > 0 ? ` (${names.join(", ")})` : "";
    const values = names.map((name) => `_r.${name}`).join(", ");
    const source = `json_populate_recordset(null::${table(relation)}, ${params.json(group.text)}) as _r`;
    const body = `insert into ${table(relation)} as _t${list} select ${values} from ${source}${conflict(group.columns)} returning ${returning(relation, req.prefs)}`;
    return `_i${i} as (${body})`;
  });
  const union = inserts.map((_, i) => `select * from _i${i}`).join(" union all ");
  return finish(req, relation, params, [...inserts, `pgrst_source as (${union})`]);
}

function onConflict(req: WriteRequest, relation: Relation): (columns: string[]) => string {
  const { resolution } = req.prefs;
  if (!resolution) return () => "";
  const target = req.query.onConflict ?? relation.primaryKey;
  for (const column of target) findColumn(relation, column);
  const spec = target.length > 0 ? ` (${target.map(quoteIdent).join(", ")})` : "";
  if (resolution === "ignore-duplicates") return () => ` on conflict${spec} do nothing`;
  if (target.length === 0) {
    throw new RestError(400, "PGRST100", `Upserting into ${relation.name} needs on_conflict`, {
      hint: "The relation has no primary key; name the unique columns with on_conflict=",
    });
  }
  return (columns) =>
    columns.length === 0
      ? ` on conflict${spec} do nothing`
      : ` on conflict${spec} do update set ${columns.map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`).join(", ")}`;
}

/** The WHERE of a PATCH or DELETE; refuses an unfiltered one unless the request explicitly allows it. */
function mutationWhere(req: WriteRequest, relation: Relation, params: Params, verb: string): string {
  if (req.query.root.limit !== undefined || req.query.root.offset !== undefined) {
    throw new RestError(400, "PGRST100", `limit and offset are not supported on ${verb}`, {
      hint: "Narrow the rows with filters; Prefer: handling=strict, max-affected=<n> bounds the change",
    });
  }
  const scope = { label: relation.name, alias: "_t", columns: relation.columns };
  const where = renderWhere(scope, req.query.root.filters, params);
  if (where) return where;
  if (req.prefs.allowUnfiltered || req.prefs.maxAffected !== undefined) return "true";
  throw new RestError(400, "21000", `${verb} requires a WHERE clause`, {
    hint: "Add a filter, or send `Prefer: allow-unfiltered` to affect every row you can see",
  });
}

export function buildUpdate(req: WriteRequest): Statement {
  const relation = findRelation(req.catalog, req.schema, req.name);
  const payload = readPayload(req.body, relation, req.query.columns, false);
  const params = new Params();
  const where = mutationWhere(req, relation, params, "UPDATE");
  const ret = returning(relation, req.prefs);
  const names = payload.columns.map(quoteIdent);
  const values = () =>
    `json_populate_record(null::${table(relation)}, ${params.json(JSON.stringify(payload.rows[0]))})`;
  const update =
    names.length === 0
      ? `select ${ret} from ${table(relation)} as _t where false and ${where}`
      : `update ${table(relation)} as _t set ${names.map((n) => `${n} = _b.${n}`).join(", ")} from ${values()} as _b where ${where} returning ${ret}`;
  return finish(req, relation, params, [`pgrst_source as (${update})`]);
}

export function buildDelete(req: WriteRequest): Statement {
  const relation = findRelation(req.catalog, req.schema, req.name);
  const params = new Params();
  const where = mutationWhere(req, relation, params, "DELETE");
  const remove = `delete from ${table(relation)} as _t where ${where} returning ${returning(relation, req.prefs)}`;
  return finish(req, relation, params, [`pgrst_source as (${remove})`]);
}
