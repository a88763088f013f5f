/**
 * Filters as PostgREST writes them: `column=[not.]op[(modifier)].value` in the query string, and the
 * logic trees of `or=(...)` / `and=(...)` / `not.or=(...)`, nested, whose conditions are
 * `column.[not.]op.value` with values optionally double-quoted (`"a,b"`, backslash escapes).
 */
import { Cursor, type Field } from "./parseField.ts";
import { parseError } from "./restError.ts";

export interface Condition {
  kind: "condition";
  field: Field;
  negate: boolean;
  op: string;
  /** `any` / `all` for eq, like...; the text search configuration for fts. */
  modifier?: string;
  value: string;
}

export interface Group {
  kind: "group";
  op: "and" | "or";
  negate: boolean;
  items: Filter[];
}

export type Filter = Condition | Group;

export const operators = new Set([
  ...["eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch", "is", "isdistinct", "in"],
  ...["cs", "cd", "ov", "sl", "sr", "nxl", "nxr", "adj", "fts", "plfts", "phfts", "wfts"],
]);
const maxDepth = 16;

/** `column=value` from the query string; `value` is taken literally after `op.` (no unquoting). */
export function parseFilter(key: string, value: string): Condition {
  const fieldCursor = new Cursor(key, "filter");
  const field = fieldCursor.field();
  if (!fieldCursor.done) fieldCursor.fail("expected a column name, optionally with a JSON path");
  const cursor = new Cursor(value, "filter");
  const { negate, op, modifier } = parseOperator(cursor);
  return { kind: "condition", field, negate, op, ...modifier, value: value.slice(cursor.pos) };
}

/** `or=(...)`, `and=(...)`, `not.or=(...)`, `not.and=(...)`. */
export function parseLogicParam(key: string, value: string): Group {
  const negate = key.startsWith("not.");
  const op = (negate ? key.slice(4) : key) as "and" | "or";
  const cursor = new Cursor(value, "logic tree");
  const group = parseGroup(cursor, op, negate, 0);
  if (!cursor.done) cursor.fail("expected the end after the closing parenthesis");
  return group;
}

export const isLogicKey = (key: string) => /^(not\.)?(and|or)$/.test(key);

function parseOperator(cursor: Cursor): { negate: boolean; op: string; modifier: { modifier?: string } } {
  const negate = cursor.eat("not.");
  const op = /^[a-z]+/.exec(cursor.text.slice(cursor.pos))?.[0] ?? "";
  if (!operators.has(op)) cursor.fail(`expected an operator (eq, neq, gt, ...)`);
  cursor.pos += op.length;
  let modifier: { modifier?: string } = {};
  if (cursor.eat("(")) {
    const end = cursor.text.indexOf(")", cursor.pos);
    if (end < 0) cursor.fail('expected ")"');
    modifier = { modifier: cursor.text.slice(cursor.pos, end) };
    cursor.pos = end + 1;
  }
  cursor.expect(".");
  return { negate, op, modifier };
}

function parseGroup(cursor: Cursor, op: "and" | "or", negate: boolean, depth: number): Group {
  if (depth > maxDepth) cursor.fail(`at most ${maxDepth} nested groups`);
  cursor.expect("(");
  const items: Filter[] = [];
  do {
    items.push(parseItem(cursor, depth));
  } while (cursor.eat(","));
  cursor.expect(")");
  return { kind: "group", op, negate, items };
}

function parseItem(cursor: Cursor, depth: number): Filter {
  const start = cursor.pos;
  const negate = cursor.eat("not.");
  for (const op of ["and", "or"] as const) {
    if (cursor.eat(`${op}(`)) {
      cursor.pos--;
      return parseGroup(cursor, op, negate, depth + 1);
    }
  }
  cursor.pos = start;
  const field = cursor.field();
  cursor.expect(".");
  const operator = parseOperator(cursor);
  return {
    kind: "condition",
    field,
    negate: operator.negate,
    op: operator.op,
    ...operator.modifier,
    value: treeValue(cursor),
  };
}

/** A value inside a logic tree: quoted, or up to the next `,` / `)` outside brackets. */
function treeValue(cursor: Cursor): string {
  if (cursor.peek() === '"') {
    const value = quoted(cursor);
    if (!cursor.done && cursor.peek() !== "," && cursor.peek() !== ")") cursor.fail('expected "," or ")"');
    return value;
  }
  const start = cursor.pos;
  let depth = 0;
  while (!cursor.done) {
    const ch = cursor.peek();
    if (ch === '"') {
      quoted(cursor);
      continue;
    }
    if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) {
      if (depth === 0) break;
      depth--;
    } else if (ch === "," && depth === 0) break;
    cursor.pos++;
  }
  return cursor.text.slice(start, cursor.pos);
}

/** `"..."` with `\"` and `\\` escapes; returns the unescaped text. */
export function quoted(cursor: Cursor): string {
  cursor.expect('"');
  let out = "";
  while (!cursor.done && cursor.peek() !== '"') {
    if (cursor.peek() === "\\" && cursor.pos + 1 < cursor.text.length) cursor.pos++;
    out += cursor.peek();
    cursor.pos++;
  }
  cursor.expect('"');
  return out;
}

/** The items of `in.(a,"b,c",d)` / `ov.(1,2)`: comma separated, optionally quoted. */
export function parseList(value: string): string[] {
  const cursor = new Cursor(value, "list");
  cursor.expect("(");
  const items: string[] = [];
  if (cursor.eat(")")) {
    if (!cursor.done) cursor.fail("expected the end of the list");
    return items;
  }
  do {
    if (cursor.peek() === '"') items.push(quoted(cursor));
    else {
      const start = cursor.pos;
      while (!cursor.done && cursor.peek() !== "," && cursor.peek() !== ")") cursor.pos++;
      items.push(cursor.text.slice(start, cursor.pos));
    }
  } while (cursor.eat(","));
  cursor.expect(")");
  if (!cursor.done) throw parseError(`"failed to parse list (${value.slice(0, 200)})"`, "text after ')'");
  return items;
}
