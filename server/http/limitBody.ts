/** A route's request body cap: larger bodies are refused with 413 PAYLOAD_TOO_LARGE before they are read. */
import type { IncomingMessage } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HttpError } from "../errors.ts";

/** Requests whose declared length was checked: their body is read from Node's own stream. */
const lengthChecked = new WeakSet<IncomingMessage>();

export function limitBody(maxSize: number): MiddlewareHandler {
  const tooLarge = () =>
    new HttpError(413, "PAYLOAD_TOO_LARGE", `The request body is larger than ${maxSize} bytes`, {
      max_bytes: maxSize,
    });
  // A body without Content-Length (chunked) is counted as it streams in.
  const streamed = bodyLimit({
    maxSize,
    onError: () => {
      throw tooLarge();
    },
  });
  return async (c, next) => {
    const incoming = nodeIncoming(c);
    const length = c.req.header("content-length");
    if (incoming && length !== undefined && /^\d+$/.test(length)) {
      if (Number(length) > maxSize) throw tooLarge();
      // Node's HTTP parser ends the body at Content-Length, so the body can't outgrow it.
      lengthChecked.add(incoming);
      return next();
    }
    return streamed(c, next);
  };
}

/**
 * The request body as text. A body whose length limitBody checked is read from Node's request
 * stream: `c.req.text()` first builds a Web Request around it (an AbortController and a web stream
 * for every request), a large share of a small request's cost.
 */
export async function bodyText(c: Context): Promise<string> {
  const incoming = nodeIncoming(c);
  if (!incoming || !lengthChecked.has(incoming)) return c.req.text();
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  // As TextDecoder (and so Request.text()) does, a leading byte order mark is not text.
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function nodeIncoming(c: Context): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
}
