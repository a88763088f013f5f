/**
 * The two ways request data reaches SQL text: identifiers that came from the introspected catalog (or
 * aliases the caller chose, checked here) are double-quoted with `"` doubled; everything else is a bound
 * parameter (a string or NULL; runStatement sends them untyped so Postgres infers each type from its
 * context, exactly as for an untyped literal).
 */
import { parseError } from "./restError.ts";

/** Far below Postgres' 65535 bind parameters; a URL cannot reach it, a body rarely. */
const maxParams = 10_000;

export function quoteIdent(name: string): string {
  if (name.includes("\u0000")) throw parseError("Identifiers may not contain NUL characters");
  return `"${name.replace(/"/g, '""')}"`;
}

/** An output name the caller chose (`alias:column`); Postgres would silently truncate past 63 bytes. */
export function checkAlias(alias: string): string {
  if (alias === "" || alias.includes("\u0000") || Buffer.byteLength(alias) > 63) {
    throw parseError(
      `"${alias.slice(0, 80)}" is not a valid alias`,
      "Aliases are 1 to 63 bytes, without NUL",
    );
  }
  return alias;
}

export class Params {
  readonly values: (string | null)[] = [];

  /** A value Postgres types from its context (like an untyped literal). */
  add(value: string | null): string {
    if (this.values.length >= maxParams) throw parseError(`A request may carry at most ${maxParams} values`);
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** A JSON document, as `$n::json`. */
  json(text: string): string {
    return `${this.add(text)}::json`;
  }
}

/** SQL text plus its parameters; `text` never contains a request value. */
export interface Statement {
  text: string;
  params: (string | null)[];
}
