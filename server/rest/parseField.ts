/**
 * The lexical pieces shared by the select, filter and order grammars: a cursor over the text, names
 * (bare or double-quoted, as PostgREST reads them) and fields (a name with an optional JSON path such
 * as `data->items->0->>name`).
 */
import { parseError } from "./restError.ts";

export interface JsonStep {
  arrow: "->" | "->>";
  key: string;
  /** `->0`: an array index rather than an object key. */
  index: boolean;
}

export interface Field {
  name: string;
  path: JsonStep[];
}

/** Characters that end a bare name: the grammar's punctuation. */
const delimiters = new Set([",", ".", ":", "(", ")", "!", '"', "'"]);

export class Cursor {
  pos = 0;
  constructor(
    readonly text: string,
    readonly what: string,
  ) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(length = 1): string {
    return this.text.slice(this.pos, this.pos + length);
  }

  eat(token: string): boolean {
    if (!this.text.startsWith(token, this.pos)) return false;
    this.pos += token.length;
    return true;
  }

  expect(token: string): void {
    if (!this.eat(token)) this.fail(`expected "${token}"`);
  }

  fail(expected: string): never {
    const near = this.done ? "end of input" : `"${this.text.slice(this.pos, this.pos + 20)}"`;
    throw parseError(
      `"failed to parse ${this.what} (${this.text.slice(0, 200)})" (line 1, column ${this.pos + 1})`,
      `unexpected ${near}, ${expected}`,
    );
  }

  /** A bare name (up to the next delimiter or `->`) or a double-quoted one. */
  name(): string {
    if (this.eat('"')) {
      const end = this.text.indexOf('"', this.pos);
      if (end < 0) this.fail("expected a closing quote");
      const value = this.text.slice(this.pos, end);
      this.pos = end + 1;
      if (value === "") this.fail("expected a name");
      return value;
    }
    const start = this.pos;
    while (!this.done) {
      const ch = this.text[this.pos]!;
      if (delimiters.has(ch) || this.text.startsWith("->", this.pos)) break;
      this.pos++;
    }
    if (this.pos === start) this.fail("expected a name");
    return this.text.slice(start, this.pos);
  }

  /** A name followed by any number of `->key` / `->>key` steps. */
  field(): Field {
    const name = this.name();
    return { name, path: this.jsonPath() };
  }

  /** Any number of `->key` / `->>key` / `->0` steps. */
  jsonPath(): JsonStep[] {
    const path: JsonStep[] = [];
    for (;;) {
      const arrow = this.eat("->>") ? "->>" : this.eat("->") ? "->" : undefined;
      if (!arrow) break;
      const digits = /^-?\d{1,9}/.exec(this.text.slice(this.pos, this.pos + 12))?.[0];
      const after = digits === undefined ? "" : this.text.slice(this.pos + digits.length);
      if (digits !== undefined && (after === "" || delimiters.has(after[0]!) || after.startsWith("->"))) {
        this.pos += digits.length;
        path.push({ arrow, key: digits, index: true });
      } else {
        path.push({ arrow, key: this.name(), index: false });
      }
    }
    return path;
  }
}

/** The name a field gets in the output: the last JSON key (array indexes skipped), else the column. */
export function fieldLabel(field: Field): string {
  return field.path.findLast((step) => !step.index)?.key ?? field.name;
}
