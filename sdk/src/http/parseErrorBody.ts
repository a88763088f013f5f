/**
 * Turns a non-2xx response body into a FluxbaseError. The server answers
 * `{ "error": "<message>", "code": "<CODE>", ...context }`; proxies and crashed servers answer HTML or
 * plain text, which must still become a readable error rather than a JSON parse failure.
 */
import { FluxbaseError } from "../errors.ts";

const SNIPPET_LENGTH = 300;

/** Builds the error for a failed response from its status, status text and raw body text. */
export function parseErrorBody(status: number, statusText: string, text: string): FluxbaseError {
  const body = tryParseJson(text);
  if (body !== undefined && typeof body === "object" && body !== null && !Array.isArray(body)) {
    return fromJsonBody(status, statusText, body as Record<string, unknown>);
  }
  const snippet = text.trim().replace(/\s+/g, " ").slice(0, SNIPPET_LENGTH);
  const message = snippet
    ? `HTTP ${status} ${statusText}: ${snippet}`.replace(/ {2,}/g, " ")
    : `HTTP ${status} ${statusText}`.trim();
  return new FluxbaseError(message, "HTTP_ERROR", status, snippet ? { body: snippet } : {});
}

function fromJsonBody(status: number, statusText: string, body: Record<string, unknown>): FluxbaseError {
  const { error, code, message, ...context } = body;
  // Also accept `{ error: { message, code } }` and PostgREST's `{ message, code, details, hint }`.
  const nested = typeof error === "object" && error !== null ? (error as Record<string, unknown>) : undefined;
  const text =
    (typeof error === "string" && error) ||
    (typeof nested?.message === "string" && nested.message) ||
    (typeof message === "string" && message) ||
    `HTTP ${status} ${statusText}`.trim();
  const machineCode =
    (typeof code === "string" && code) || (typeof nested?.code === "string" && nested.code) || "HTTP_ERROR";
  if (typeof message === "string" && message !== text) context.message = message;
  return new FluxbaseError(text, machineCode, status, context);
}

/** Parses JSON, or returns `undefined` for an empty or non-JSON body. */
export function tryParseJson(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
