/**
 * JSON from outside with a nesting limit. `JSON.parse` itself copes with any depth, but everything
 * that walks the value afterwards (validation, `JSON.stringify` for the database, the sandbox's
 * stdin) recurses, and 10,000 nested arrays overflow the stack there. The text is scanned first, in
 * one pass without recursion, so a too-deep document is refused before a value is ever built.
 * Every place JSON comes in (request bodies, REST, realtime frames, events) parses through here.
 */

/** Deepest nesting of arrays and objects accepted; far above any sane payload. */
export const maxJsonDepth = 128;

export class JsonTooDeepError extends Error {
  constructor(readonly maxDepth: number) {
    super(`JSON nested deeper than ${maxDepth} levels of arrays and objects`);
    this.name = "JsonTooDeepError";
  }
}

/** The deepest nesting in `text`, stopping early once it passes `limit` (strings are skipped). */
export function jsonDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return deepest;
}

/** `JSON.parse` that throws JsonTooDeepError past `maxDepth`, and SyntaxError as JSON.parse does. */
export function parseJson(text: string, maxDepth = maxJsonDepth): unknown {
  if (jsonDepth(text, maxDepth) > maxDepth) throw new JsonTooDeepError(maxDepth);
  return JSON.parse(text);
}
