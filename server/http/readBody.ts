/** Reads and validates a JSON body: malformed JSON, wrong types and NUL characters are 400s. */
import type { Context } from "hono";
import type { z } from "zod";
import { badRequest } from "../errors.ts";
import { JsonTooDeepError, parseJson } from "../parseJson.ts";
import { validate } from "../validation.ts";
import { bodyText } from "./limitBody.ts";

export { validate };

export async function readJson<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const text = await bodyText(c);
  let value: unknown = {};
  if (text.trim() !== "") {
    try {
      value = parseJson(text);
    } catch (error) {
      if (error instanceof JsonTooDeepError)
        throw badRequest("JSON_TOO_DEEP", `The request body is ${error.message}`, {
          max_depth: error.maxDepth,
        });
      throw badRequest("INVALID_JSON", `The request body is not valid JSON: ${(error as Error).message}`);
    }
  }
  return validate(schema, value, "body");
}

// U+0000 and unpaired surrogates are valid in JSON text but Postgres jsonb cannot store them.
const unstorable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when some string or key inside `value` cannot be stored in Postgres; refuse it up front. */
export function hasUnstorableText(value: unknown): boolean {
  if (typeof value === "string") return unstorable.test(value);
  if (Array.isArray(value)) return value.some(hasUnstorableText);
  if (value && typeof value === "object") {
    return Object.entries(value).some(([key, inner]) => unstorable.test(key) || hasUnstorableText(inner));
  }
  return false;
}
