/**
 * The `select` parameter: `*`, columns, `alias:column`, `column::type`, JSON paths (`data->>key`) and
 * embedded resources (`author(name)`, `alias:author!fk_name(*)`, `author!inner(*)`, `...author(name)`).
 */
import { Cursor, type Field } from "./parseField.ts";
import { checkAlias } from "./sqlText.ts";

export type SelectItem =
  | { kind: "star" }
  | { kind: "field"; alias?: string; field: Field; cast?: string }
  | {
      kind: "embed";
      alias?: string;
      relation: string;
      /** A foreign key name or column that picks between several relationships. */
      hint?: string;
      inner: boolean;
      spread: boolean;
      items: SelectItem[];
    };

const maxDepth = 8;
const castPattern = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\[\])?/;

export function parseSelect(text: string | undefined): SelectItem[] {
  if (text === undefined || text === "") return [{ kind: "star" }];
  const cursor = new Cursor(text, "select");
  const items = parseItems(cursor, 0);
  if (!cursor.done) cursor.fail('expected "," or the end');
  return items;
}

function parseItems(cursor: Cursor, depth: number): SelectItem[] {
  if (depth > maxDepth) cursor.fail(`at most ${maxDepth} levels of embedding`);
  const items: SelectItem[] = [];
  do {
    items.push(parseItem(cursor, depth));
  } while (cursor.eat(","));
  return items;
}

function parseItem(cursor: Cursor, depth: number): SelectItem {
  if (cursor.eat("*")) return { kind: "star" };
  if (cursor.eat("...")) return parseEmbed(cursor, depth, undefined, cursor.name(), true);
  let alias: string | undefined;
  let name = cursor.name();
  if (cursor.peek() === ":" && cursor.peek(2) !== "::") {
    cursor.expect(":");
    alias = checkAlias(name);
    name = cursor.name();
  }
  if (cursor.peek() === "(" || cursor.peek() === "!") return parseEmbed(cursor, depth, alias, name, false);
  const field: Field = { name, path: cursor.jsonPath() };
  let cast: string | undefined;
  if (cursor.eat("::")) {
    const match = castPattern.exec(cursor.text.slice(cursor.pos));
    if (!match) cursor.fail("expected a type name");
    cast = match[0];
    cursor.pos += cast.length;
  }
  return { kind: "field", ...(alias === undefined ? {} : { alias }), field, ...(cast ? { cast } : {}) };
}

function parseEmbed(
  cursor: Cursor,
  depth: number,
  alias: string | undefined,
  relation: string,
  spread: boolean,
): SelectItem {
  let hint: string | undefined;
  let inner = false;
  while (cursor.eat("!")) {
    const word = cursor.name();
    if (word === "inner") inner = true;
    else if (word !== "left") hint = word;
  }
  cursor.expect("(");
  const items = cursor.peek() === ")" ? [] : parseItems(cursor, depth + 1);
  cursor.expect(")");
  return {
    kind: "embed",
    ...(alias === undefined ? {} : { alias }),
    relation,
    ...(hint === undefined ? {} : { hint }),
    inner,
    spread,
    items,
  };
}
