/**
 * What an upload sends, as a stream: a raw body (Content-Type, Cache-Control, x-metadata headers), or
 * multipart/form-data as storage-js sends Blobs and FormData (fields `cacheControl` and `metadata`,
 * then the file part). Nothing is buffered beyond the parser's chunk.
 */
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import busboy from "busboy";
import { badRequest } from "../errors.ts";

export interface UploadBody {
  stream: Readable;
  contentType: string;
  /** As stored and sent back: `max-age=3600`. */
  cacheControl: string;
  userMetadata: Record<string, unknown> | null;
}

const defaultType = "application/octet-stream";

function cacheControlOf(value: string | null | undefined): string {
  if (!value) return "max-age=3600";
  return /^\d+$/.test(value.trim()) ? `max-age=${value.trim()}` : value.trim();
}

function parseMetadata(
  text: string | null | undefined,
  encoding: "json" | "base64",
): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const parsed = JSON.parse(encoding === "base64" ? Buffer.from(text, "base64").toString("utf8") : text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed;
  } catch {}
  throw badRequest("INVALID_METADATA", "metadata must be a JSON object");
}

export function readUploadBody(request: Request): Promise<UploadBody> {
  const type = request.headers.get("content-type") ?? "";
  const body = request.body
    ? Readable.fromWeb(request.body as WebReadableStream<Uint8Array>)
    : Readable.from([]);
  if (!/^multipart\/form-data/i.test(type)) {
    return Promise.resolve({
      stream: body,
      contentType: type.trim() || defaultType,
      cacheControl: cacheControlOf(request.headers.get("cache-control")),
      userMetadata: parseMetadata(request.headers.get("x-metadata"), "base64"),
    });
  }
  return new Promise((resolve, reject) => {
    const fields = new Map<string, string>();
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { "content-type": type },
        limits: { files: 1, fields: 10, fieldSize: 64 * 1024 },
      });
    } catch (error) {
      return reject(badRequest("INVALID_MULTIPART", (error as Error).message));
    }
    let settled = false;
    parser.on("field", (name, value) => fields.set(name, value));
    parser.on("file", (_name, stream, info) => {
      settled = true;
      try {
        resolve({
          stream,
          contentType: info.mimeType || defaultType,
          cacheControl: cacheControlOf(fields.get("cacheControl")),
          userMetadata: parseMetadata(fields.get("metadata"), "json"),
        });
      } catch (error) {
        stream.resume();
        reject(error);
      }
    });
    parser.on("error", (error: Error) => {
      if (!settled)
        reject(badRequest("INVALID_MULTIPART", `The multipart body is malformed: ${error.message}`));
    });
    parser.on("close", () => {
      if (!settled) reject(badRequest("FILE_MISSING", "The multipart body has no file part"));
    });
    body.pipe(parser);
  });
}
