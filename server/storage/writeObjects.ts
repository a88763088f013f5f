/**
 * Uploads and copies: the two ways bytes arrive. The caller's right to write the row is tried first
 * (in a transaction rolled back), so a refused upload writes nothing; then the bytes are streamed
 * aside, and the row is written and the bytes published in one transaction. A replaced version's
 * bytes are removed after the commit.
 */
import { randomUUID } from "node:crypto";
import type { Sql } from "../db/createSql.ts";
import { pgErrorToHttp } from "../db/pgErrors.ts";
import { type DbIdentity, serviceIdentity, withClaims } from "../db/withClaims.ts";
import { conflict, HttpError, notFound } from "../errors.ts";
import { type Bucket, type BucketStore, bucketNotFound } from "./bucketStore.ts";
import { ObjectTooLargeError, type StorageDriver } from "./driver.ts";
import { findObject, type ObjectContent, type ObjectMetadata, writeObject } from "./objectStore.ts";
import type { UploadBody } from "./uploadBody.ts";

export interface WriteDeps {
  sql: Sql;
  driver: StorageDriver;
  buckets: BucketStore;
  /** Bytes; a bucket's own limit can only lower it. */
  maxFileSize: number;
}

export type WriteMode = "create" | "upsert" | "update";

export const objectNotFound = (bucket: string, name: string) =>
  notFound("OBJECT_NOT_FOUND", "Object not found", { bucket, key: name });

/** Postgres's refusals of a write, in the storage API's words. */
export function storageWriteError(error: unknown, bucket: string, name: string): unknown {
  const mapped = pgErrorToHttp(error);
  if (!mapped) return error;
  if (mapped.code === "DUPLICATE")
    return conflict("OBJECT_EXISTS", "The resource already exists; upload with upsert to replace it", {
      bucket,
      key: name,
    });
  if (mapped.code === "REFERENCE_VIOLATION") return bucketNotFound(bucket);
  if (mapped.code === "INVALID_VALUE")
    return new HttpError(400, "INVALID_KEY", "Invalid object name", { key: name });
  return mapped;
}

/** `image/*` allows image/png; a type's parameters (`;charset=...`) are ignored. */
export function mimeAllowed(allowed: readonly string[] | null, type: string): boolean {
  if (!allowed) return true;
  const bare = type.split(";")[0].trim().toLowerCase();
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    return p.endsWith("/*") ? bare.startsWith(p.slice(0, -1)) : bare === p;
  });
}

/**
 * Refuses what `bucket` does not take: a type outside its allowed MIME types (415), or more bytes
 * than its limit (413; `size` null: not known yet). Answers the limit, for a streamed upload.
 */
export function checkFits(deps: WriteDeps, bucket: Bucket, type: string, size: number | null): number {
  if (!mimeAllowed(bucket.allowed_mime_types, type))
    throw new HttpError(415, "INVALID_MIME_TYPE", `Bucket ${bucket.id} does not accept ${type}`, {
      bucket: bucket.id,
      mime_type: type,
      allowed_mime_types: bucket.allowed_mime_types,
    });
  const limit = Math.min(bucket.file_size_limit ?? Number.POSITIVE_INFINITY, deps.maxFileSize);
  if (size !== null && size > limit) throw tooLarge(limit);
  return limit;
}

class Rollback extends Error {}

/** Tries the write as the caller and rolls it back: throws why it would be refused, if it would. */
export async function tryWrite(
  deps: WriteDeps,
  identity: DbIdentity,
  bucket: string,
  name: string,
  mode: WriteMode,
) {
  const probe: ObjectContent = { version: randomUUID(), metadata: {} as ObjectMetadata, user_metadata: null };
  try {
    await withClaims(deps.sql, identity, async (tx) => {
      if (!(await writeObject(tx, bucket, name, probe, mode))) throw objectNotFound(bucket, name);
      throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw storageWriteError(error, bucket, name);
  }
}

function metadataOf(size: number, md5: string, type: string, cacheControl: string): ObjectMetadata {
  return {
    eTag: `"${md5}"`,
    size,
    mimetype: type,
    cacheControl,
    lastModified: new Date().toISOString(),
    contentLength: size,
    httpStatusCode: 200,
  };
}

export async function uploadObject(
  deps: WriteDeps,
  identity: DbIdentity,
  target: { bucket: string; name: string; mode: WriteMode; contentLength: number | null },
  body: UploadBody,
): Promise<{ Id: string; Key: string }> {
  const { bucket, name, mode } = target;
  const settings = await deps.buckets.get(serviceIdentity, bucket);
  let limit: number;
  try {
    limit = checkFits(deps, settings, body.contentType, target.contentLength);
    await tryWrite(deps, identity, bucket, name, mode);
  } catch (error) {
    // A refused upload's body is read and dropped, so the client gets the answer, not a reset.
    body.stream.resume();
    throw error;
  }

  const version = randomUUID();
  const blob = await deps.driver.write(version, body.stream, limit).catch((error) => {
    throw error instanceof ObjectTooLargeError ? tooLarge(limit) : error;
  });
  const content: ObjectContent = {
    version,
    metadata: metadataOf(blob.size, blob.md5, body.contentType, body.cacheControl),
    user_metadata: body.userMetadata,
  };
  let written: { id: string; replaced: string | null };
  try {
    written = await withClaims(deps.sql, identity, async (tx) => {
      const row = await writeObject(tx, bucket, name, content, mode);
      if (!row) throw objectNotFound(bucket, name);
      await blob.commit();
      return row;
    });
  } catch (error) {
    await blob.discard();
    await deps.driver.remove([version]);
    throw storageWriteError(error, bucket, name);
  }
  if (written.replaced) await deps.driver.remove([written.replaced]);
  return { Id: written.id, Key: `${bucket}/${name}` };
}

function tooLarge(limit: number) {
  return new HttpError(
    413,
    "PAYLOAD_TOO_LARGE",
    `The object exceeds the maximum allowed size (${limit} bytes)`,
    {
      max_bytes: limit,
    },
  );
}

/**
 * Copies an object the caller can read to a new name the caller may write; the copy is theirs.
 * Into another bucket, it must be of a type and size that bucket takes.
 */
export async function copyObject(
  deps: WriteDeps,
  identity: DbIdentity,
  from: { bucket: string; name: string },
  to: { bucket: string; name: string },
): Promise<{ Key: string }> {
  const source = await withClaims(deps.sql, identity, (tx) => findObject(tx, from.bucket, from.name));
  if (!source) throw objectNotFound(from.bucket, from.name);
  const destination = await deps.buckets.get(serviceIdentity, to.bucket);
  if (to.bucket !== from.bucket) checkFits(deps, destination, source.metadata.mimetype, source.metadata.size);
  await tryWrite(deps, identity, to.bucket, to.name, "create");
  const version = randomUUID();
  await deps.driver.copy(source.version, version).catch(() => {
    throw objectNotFound(from.bucket, from.name);
  });
  const content: ObjectContent = {
    version,
    metadata: { ...source.metadata, lastModified: new Date().toISOString() },
    user_metadata: source.user_metadata,
  };
  try {
    await withClaims(deps.sql, identity, (tx) => writeObject(tx, to.bucket, to.name, content, "create"));
  } catch (error) {
    await deps.driver.remove([version]);
    throw storageWriteError(error, to.bucket, to.name);
  }
  return { Key: `${to.bucket}/${to.name}` };
}
