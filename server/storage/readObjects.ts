/**
 * Reading, listing, moving and removing objects, as the caller (RLS decides: an object the caller may
 * not read is a 404, never a 403) or, after a signed URL or a public bucket was checked, as the service.
 */
import type { Readable } from "node:stream";
import { type DbIdentity, serviceIdentity, withClaims } from "../db/withClaims.ts";
import { badRequest } from "../errors.ts";
import type { BlobRange } from "./driver.ts";
import {
  deleteObjectBatch,
  deleteObjects,
  findObject,
  type ListEntry,
  type ListOptions,
  listFolder,
  renameObject,
  type StoredObject,
  visibleNames,
} from "./objectStore.ts";
import { checkFits, objectNotFound, storageWriteError, type WriteDeps } from "./writeObjects.ts";

export interface ObjectRead {
  object: StoredObject;
  /** Null when the whole object is sent. */
  range: BlobRange | null;
  body: Readable;
}

/** `bytes=0-99`, `bytes=100-`, `bytes=-100` (one range only); null: the whole object. */
export function parseRange(header: string | undefined, size: number): BlobRange | null | "unsatisfiable" {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === "" && match[2] === "")) return null;
  let start: number;
  let end: number;
  if (match[1] === "") {
    start = Math.max(size - Number(match[2]), 0);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start > end || start >= size ? "unsatisfiable" : { start, end };
}

export async function readObject(
  deps: WriteDeps,
  identity: DbIdentity,
  bucket: string,
  name: string,
  rangeHeader?: string,
): Promise<ObjectRead | { object: StoredObject; unsatisfiable: true }> {
  // Twice at most: an upsert between reading the row and opening the bytes removes the old version.
  for (let attempt = 0; attempt < 2; attempt++) {
    const object = await withClaims(deps.sql, identity, (tx) => findObject(tx, bucket, name));
    if (!object) break;
    const range = parseRange(rangeHeader, object.metadata.size);
    if (range === "unsatisfiable") return { object, unsatisfiable: true };
    const body = await deps.driver.read(object.version, range ?? undefined);
    if (body) return { object, range, body };
  }
  throw objectNotFound(bucket, name);
}

/** Objects of a public bucket, for anyone. */
export async function readPublicObject(deps: WriteDeps, bucket: string, name: string, rangeHeader?: string) {
  const settings = await deps.buckets.get(serviceIdentity, bucket).catch(() => null);
  if (!settings?.public) throw objectNotFound(bucket, name);
  return readObject(deps, serviceIdentity, bucket, name, rangeHeader);
}

export async function objectInfo(deps: WriteDeps, identity: DbIdentity, bucket: string, name: string) {
  const object = await withClaims(deps.sql, identity, (tx) => findObject(tx, bucket, name));
  if (!object) throw objectNotFound(bucket, name);
  return {
    id: object.id,
    version: object.version,
    name: object.name,
    bucket_id: object.bucket_id,
    size: object.metadata.size,
    content_type: object.metadata.mimetype,
    cache_control: object.metadata.cacheControl,
    etag: object.metadata.eTag,
    last_modified: object.metadata.lastModified,
    created_at: object.created_at,
    updated_at: object.updated_at,
    last_accessed_at: object.last_accessed_at,
    metadata: object.user_metadata,
  };
}

/** Which of `names` the caller may read, in one query. */
export function readableNames(deps: WriteDeps, identity: DbIdentity, bucket: string, names: string[]) {
  return withClaims(deps.sql, identity, (tx) => visibleNames(tx, bucket, names));
}

/** Removes the named objects the caller may delete; answers those removed. */
export async function removeObjects(deps: WriteDeps, identity: DbIdentity, bucket: string, names: string[]) {
  const removed = await withClaims(deps.sql, identity, (tx) => deleteObjects(tx, bucket, names));
  await deps.driver.remove(removed.map((object) => object.version));
  return removed;
}

export async function moveObject(
  deps: WriteDeps,
  identity: DbIdentity,
  from: { bucket: string; name: string },
  to: { bucket: string; name: string },
) {
  if (from.bucket === to.bucket && from.name === to.name)
    throw badRequest("INVALID_KEY", "The source and destination are the same object");
  if (from.bucket !== to.bucket) {
    // Into another bucket, the object must be of a type and size that bucket takes.
    const source = await withClaims(deps.sql, identity, (tx) => findObject(tx, from.bucket, from.name));
    if (!source) throw objectNotFound(from.bucket, from.name);
    const destination = await deps.buckets.get(serviceIdentity, to.bucket);
    checkFits(deps, destination, source.metadata.mimetype, source.metadata.size);
  }
  const moved = await withClaims(deps.sql, identity, (tx) => renameObject(tx, from, to)).catch((error) => {
    throw storageWriteError(error, to.bucket, to.name);
  });
  if (!moved) throw objectNotFound(from.bucket, from.name);
  return { message: "Successfully moved" };
}

export function listObjects(
  deps: WriteDeps,
  identity: DbIdentity,
  bucket: string,
  options: ListOptions,
): Promise<ListEntry[]> {
  return withClaims(deps.sql, identity, (tx) => listFolder(tx, bucket, options));
}

/** Removes every object of a bucket the caller may delete, in batches. */
export async function emptyBucket(deps: WriteDeps, identity: DbIdentity, bucket: string) {
  await deps.buckets.get(identity, bucket);
  for (;;) {
    const versions = await withClaims(deps.sql, identity, (tx) => deleteObjectBatch(tx, bucket, 1000));
    await deps.driver.remove(versions);
    if (versions.length < 1000) break;
  }
  return { message: "Successfully emptied" };
}
