/**
 * The query string split into what each part means: `select`, `columns`, `on_conflict`, and for the
 * top-level relation and each embedded one (`author.name=eq.x`, `author.order=...`, `author.limit=2`)
 * its filters, logic trees, order and paging.
 */
import { Cursor, type Field } from "./parseField.ts";
import { type Filter, isLogicKey, parseFilter, parseLogicParam } from "./parseFilter.ts";
import { type OrderTerm, parseOrder } from "./parsePaging.ts";
import { parseError } from "./restError.ts";

export interface ScopedQuery {
  filters: Filter[];
  order: OrderTerm[];
  limit?: string;
  offset?: string;
}

export interface RequestQuery {
  select?: string;
  columns?: string[];
  onConflict?: string[];
  root: ScopedQuery;
  /** Keyed by the embedding path joined with "." (e.g. `author`, `posts.comments`). */
  embedded: Map<string, ScopedQuery>;
}

const scopedWords = new Set(["order", "limit", "offset"]);

export function parseQuery(search: URLSearchParams, skip: ReadonlySet<string> = new Set()): RequestQuery {
  const query: RequestQuery = { root: { filters: [], order: [] }, embedded: new Map() };
  for (const [key, value] of search) {
    if (skip.has(key)) continue;
    if (key === "select") query.select ??= value;
    else if (key === "columns") query.columns = nameList(value, "columns");
    else if (key === "on_conflict") query.onConflict = nameList(value, "on_conflict");
    else addScoped(query, key, value);
  }
  return query;
}

function scope(query: RequestQuery, path: string[]): ScopedQuery {
  if (path.length === 0) return query.root;
  const key = path.join(".");
  const scoped = query.embedded.get(key) ?? { filters: [], order: [] };
  query.embedded.set(key, scoped);
  return scoped;
}

function addScoped(query: RequestQuery, key: string, value: string): void {
  const segments = splitKey(key);
  const last = segments.at(-1)!;
  const negatedLogic = segments.length >= 2 && segments.at(-2)!.name === "not" && isLogicKey(last.name);
  const word = last.path.length === 0 ? last.name : "";
  if (negatedLogic || isLogicKey(word)) {
    const path = segments.slice(0, negatedLogic ? -2 : -1).map(plainSegment);
    scope(query, path).filters.push(parseLogicParam(negatedLogic ? `not.${word}` : word, value));
  } else if (scopedWords.has(word)) {
    const target = scope(query, segments.slice(0, -1).map(plainSegment));
    if (word === "order") target.order = parseOrder(value);
    else if (word === "limit") target.limit = value;
    else target.offset = value;
  } else {
    const path = segments.slice(0, -1).map(plainSegment);
    scope(query, path).filters.push(parseFilter(key.slice(last.start), value));
  }
}

interface Segment extends Field {
  start: number;
}

/** `a.b."c.d"->x` → segments a, b, c.d (the last with its JSON path). */
function splitKey(key: string): Segment[] {
  const cursor = new Cursor(key, "filter");
  const segments: Segment[] = [];
  do {
    const start = cursor.pos;
    segments.push({ ...cursor.field(), start });
  } while (cursor.eat("."));
  if (!cursor.done) cursor.fail("expected a column name");
  return segments;
}

function plainSegment(segment: Segment): string {
  if (segment.path.length > 0)
    throw parseError(`"failed to parse filter"`, "JSON paths only on the last name");
  return segment.name;
}

/** `a,b,"c d"` as in `columns=` and `on_conflict=`. */
function nameList(value: string, what: string): string[] {
  const cursor = new Cursor(value, what);
  const names: string[] = [];
  do {
    names.push(cursor.name());
  } while (cursor.eat(","));
  if (!cursor.done) cursor.fail('expected "," or the end');
  return names;
}
