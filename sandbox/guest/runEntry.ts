/**
 * How a job module is called and how its outcome becomes a message: which export is the entry
 * point, how the result becomes JSON, and how a thrown value becomes a message and a stack.
 */
import { captured as $ } from "./captured.ts";

type Fn = (...args: unknown[]) => unknown;

export interface Entry {
  /** `handler(req, fluxbase, fluxbaseService, job)`, the same for a default export. */
  kind: "handler" | "default" | "main";
  fn: Fn;
}

/** `handler` first, then a default-exported function, then `main(payload, ...)`. */
export function pickEntry(module: Record<string, unknown>): Entry | string {
  if (typeof module.handler === "function") return { kind: "handler", fn: module.handler as Fn };
  if (typeof module.default === "function") return { kind: "default", fn: module.default as Fn };
  if (typeof module.main === "function") return { kind: "main", fn: module.main as Fn };
  const names = Object.keys(module);
  return `Job module must export a function named "handler" or "main", or a default function; it exports ${
    names.length ? names.map((n) => `"${n}"`).join(", ") : "nothing"
  }`;
}

export type Serialised = { json: string } | { error: string };

/**
 * Any JSON value is a valid result; `undefined` becomes null. Uses the JSON.stringify captured before
 * the job loaded: a replaced one could return text with a raw newline, which the frame writer refuses.
 */
export function serialiseResult(value: unknown, maxBytes: number): Serialised {
  if (value === undefined) return { json: "null" };
  let json: string | undefined;
  try {
    json = $.stringify(value);
  } catch (error) {
    return { error: `Job result is not JSON-serialisable: ${(error as Error).message}` };
  }
  if (json === undefined) return { error: `Job result is not JSON-serialisable: got a ${typeof value}` };
  // UTF-8 is at most 3 bytes per UTF-16 unit; count exactly only when that bound is over the limit.
  if (json.length * 3 > maxBytes) {
    const bytes = $.byteLength($.encode(json));
    if (bytes > maxBytes)
      return { error: `Job result is ${bytes} bytes of JSON, over the limit of ${maxBytes}` };
  }
  return { json };
}

/** Its `message` becomes the failure message; the stack (for the logs) when there is one. */
export function describeThrown(thrown: unknown): { message: string; stack?: string } {
  if (thrown instanceof Error) {
    return { message: thrown.message || thrown.name || "Error", stack: thrown.stack };
  }
  if (typeof thrown === "string") return { message: thrown };
  let shown: string;
  try {
    shown = Deno.inspect(thrown, { colors: false, depth: 2 });
  } catch {
    shown = String(thrown);
  }
  return { message: `Job threw a non-Error value: ${shown}` };
}
