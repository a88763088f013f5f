/**
 * `/rpc/<fn>`: calls a function of the exposed schema with named arguments (a JSON object for POST,
 * query parameters for GET/HEAD). The arguments reach Postgres as one JSON document turned into typed
 * values by `json_to_record` with the catalog's argument types, the call is named-notation, and its rows
 * go through the same select/filter/order/paging as a table read.
 */
import { type Catalog, type Column, catalogKey, type Routine, type RoutineArg } from "./catalog.ts";
import { parsePage } from "./parsePaging.ts";
import { parseQuery } from "./parseQuery.ts";
import { parseSelect } from "./parseSelect.ts";
import { renderOrder, renderWhere } from "./renderFilter.ts";
import { checkEmbeddedParams, type RelationScope, type RenderContext, renderSelect } from "./renderSelect.ts";
import { RestError } from "./restError.ts";
import { type BodyShape, resultQuery } from "./resultQuery.ts";
import { Params, quoteIdent, type Statement } from "./sqlText.ts";

export interface RpcRequest {
  catalog: Catalog;
  schema: string;
  name: string;
  /** Named arguments (POST body object, or every query parameter for GET). */
  args: Record<string, unknown>;
  /** The raw POST body, for a function taking a single json/jsonb argument. */
  body?: string;
  search: URLSearchParams;
  singleObject: boolean;
  wantObject: boolean;
  count: boolean;
  range?: string;
  rangeUnit?: string;
  get: boolean;
}

export interface RpcPlan {
  statement: Statement;
  offset: number;
  returnsVoid: boolean;
}

const takesOneJson = (r: Routine) =>
  r.args.length === 1 && r.args[0]!.name === "" && ["json", "jsonb"].includes(r.args[0]!.type);

function pickRoutine(req: RpcRequest): { routine: Routine; used: RoutineArg[] } {
  const candidates = req.catalog.routines.get(catalogKey(req.schema, req.name)) ?? [];
  const keys = Object.keys(req.args);
  if (!req.get && req.body !== undefined) {
    const json = candidates.filter(takesOneJson);
    if (json.length === 1 && (req.singleObject || candidates.length === 1))
      return { routine: json[0]!, used: [] };
  }
  const scored = candidates.flatMap((routine) => {
    const names = new Set(routine.args.map((a) => a.name));
    if (routine.args.some((a) => a.name === "")) return [];
    const used = routine.args.filter((a) => keys.includes(a.name));
    if (routine.args.some((a) => !a.hasDefault && !keys.includes(a.name))) return [];
    if (!req.get && keys.some((key) => !names.has(key))) return [];
    return [{ routine, used }];
  });
  const best = Math.max(...scored.map((s) => s.used.length));
  const top = scored.filter((s) => s.used.length === best);
  if (top.length === 1) return top[0]!;
  const signature = `${req.schema}.${req.name}${keys.length > 0 ? `(${keys.sort().join(", ")})` : " without parameters"}`;
  if (top.length === 0) {
    throw new RestError(404, "PGRST202", `Could not find the function ${signature} in the schema cache`, {
      hint: candidates.length > 0 ? "The function exists, but with other argument names" : null,
      catalogMiss: true,
    });
  }
  throw new RestError(300, "PGRST203", `Could not choose the best candidate function for ${signature}`, {
    details: top
      .map((s) => `${s.routine.name}(${s.routine.args.map((a) => `${a.name} ${a.type}`).join(", ")})`)
      .join("; "),
  });
}

export function buildRpc(req: RpcRequest): RpcPlan {
  const { routine, used } = pickRoutine(req);
  const params = new Params();
  const fn = `${quoteIdent(routine.schema)}.${quoteIdent(routine.name)}`;
  const ctes: string[] = [];
  let source: string;
  if (takesOneJson(routine) && used.length === 0) {
    source = `${fn}(${params.add(req.body ?? "{}")}::${routine.args[0]!.type})`;
  } else if (used.length === 0) {
    source = `${fn}()`;
  } else {
    const values = Object.fromEntries(used.map((a) => [a.name, req.args[a.name]]));
    const types = used.map((a) => `${quoteIdent(a.name)} ${a.type}`).join(", ");
    ctes.push(`_a as (select * from json_to_record(${params.json(JSON.stringify(values))}) as _x(${types}))`);
    const named = used.map(
      (a) => `${quoteIdent(a.name)} => ${a.mode === "v" ? "variadic " : ""}_a.${quoteIdent(a.name)}`,
    );
    source = `_a cross join lateral ${fn}(${named.join(", ")})`;
  }
  const label = routine.name;
  const outputs = routine.returns === "composite" ? routine.columns : [routine.name];
  const columnAlias = routine.returns === "scalar" ? `(${quoteIdent(routine.name)})` : "";
  ctes.push(`pgrst_source as (select _f.* from ${source} as _f${columnAlias})`);

  const skip = new Set(req.get ? used.map((a) => a.name) : []);
  const query = parseQuery(req.search, skip);
  const columns = new Map<string, Column>(
    outputs.map((name) => [
      name,
      { name, type: "", typname: "", category: "", notNull: false, hasDefault: false, generated: false },
    ]),
  );
  const scope: RelationScope = { label, alias: "_t", columns };
  const ctx: RenderContext = { catalog: req.catalog, params, query, embedded: new Set(), aliases: 0 };
  const scalar = routine.returns !== "composite";
  const selected = scalar
    ? [`_t.${quoteIdent(routine.name)}`]
    : renderSelect(ctx, scope, parseSelect(query.select)).columns;
  checkEmbeddedParams(ctx);
  const where = renderWhere(scope, query.root.filters, params);
  const order = renderOrder(scope, query.root.order, params);
  const page = parsePage(query.root.limit, query.root.offset, req.range, req.rangeUnit);
  const shape: BodyShape =
    routine.returns === "void"
      ? "none"
      : scalar
        ? routine.returnsSet
          ? "scalars"
          : "scalar"
        : req.wantObject || !routine.returnsSet
          ? "object"
          : "array";
  const text = resultQuery(
    {
      ctes,
      from: "pgrst_source as _t",
      columns: routine.returns === "void" ? ["1"] : selected,
      ...(where ? { where } : {}),
      ...(order ? { order } : {}),
      page,
      count: req.count,
      shape,
      scalarColumn: quoteIdent(routine.name),
    },
    params,
  );
  return {
    statement: { text, params: params.values },
    offset: page.offset,
    returnsVoid: routine.returns === "void",
  };
}
