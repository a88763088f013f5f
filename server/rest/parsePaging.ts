/**
 * Ordering and paging: `order=a.desc.nullslast,data->>k,b`, `limit` / `offset`, and the `Range`
 * header (`Range: 0-9`, `Range-Unit: items`) that older clients use instead of limit/offset.
 */
import { Cursor, type Field } from "./parseField.ts";
import { parseError, RestError } from "./restError.ts";

export interface OrderTerm {
  field: Field;
  descending: boolean;
  nulls?: "first" | "last";
}

export interface Page {
  /** Undefined: no limit. */
  limit?: number;
  offset: number;
}

export function parseOrder(text: string): OrderTerm[] {
  const cursor = new Cursor(text, "order");
  const terms: OrderTerm[] = [];
  do {
    const field = cursor.field();
    let descending = false;
    let nulls: OrderTerm["nulls"];
    while (cursor.eat(".")) {
      const word = cursor.name();
      if (word === "asc" || word === "desc") descending = word === "desc";
      else if (word === "nullsfirst" || word === "nullslast")
        nulls = word === "nullsfirst" ? "first" : "last";
      else cursor.fail("expected asc, desc, nullsfirst or nullslast");
    }
    terms.push({ field, descending, ...(nulls ? { nulls } : {}) });
  } while (cursor.eat(","));
  if (!cursor.done) cursor.fail('expected "," or the end');
  return terms;
}

const maxInteger = 2 ** 53 - 1;

function nonNegative(name: string, text: string): number {
  const value = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value > maxInteger) {
    throw parseError(
      `"failed to parse ${name} (${text.slice(0, 40)})"`,
      `${name} must be a non-negative integer`,
    );
  }
  return value;
}

/** limit/offset from the query win over the Range header, as in PostgREST. */
export function parsePage(
  limit: string | undefined,
  offset: string | undefined,
  range: string | undefined,
  rangeUnit: string | undefined,
): Page {
  const page: Page = { offset: 0 };
  const headerRange = range && (rangeUnit ?? "items").trim().toLowerCase() === "items" ? range.trim() : "";
  const match = /^(?:items=)?(\d{1,16})-(\d{1,16})?$/.exec(headerRange);
  if (match) {
    const from = Number(match[1]);
    page.offset = from;
    if (match[2] !== undefined) {
      const to = Number(match[2]);
      if (to < from) {
        throw new RestError(416, "PGRST103", "Requested range not satisfiable", {
          details: `The range ${headerRange} ends before it starts`,
        });
      }
      page.limit = to - from + 1;
    }
  }
  if (limit !== undefined) page.limit = nonNegative("limit", limit);
  if (offset !== undefined) page.offset = nonNegative("offset", offset);
  return page;
}
