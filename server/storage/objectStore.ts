/**
 * The SQL of storage.objects. Every function runs inside a transaction that already acts as someone
 * (the caller through withClaims, or the service role after a signed URL was checked), so row-level
 * security filters and guards each statement.
 */
import type { Tx } from "../db/createSql.ts";

export interface StoredObject {
  id: string;
  bucket_id: string;
  name: string;
  owner: string | null;
  version: string;
  metadata: ObjectMetadata;
  user_metadata: Record<string, unknown> | null;
  created_at: string;
  updated_at: string;
  last_accessed_at: string;
}

/** What the server records about an object's bytes (the names Supabase Storage uses). */
export interface ObjectMetadata {
  eTag: string;
  size: number;
  mimetype: string;
  cacheControl: string;
  lastModified: string;
  contentLength: number;
  httpStatusCode: number;
}

export interface ObjectContent {
  version: string;
  metadata: ObjectMetadata;
  user_metadata: Record<string, unknown> | null;
}

export async function findObject(tx: Tx, bucketId: string, name: string): Promise<StoredObject | undefined> {
  const [row] = await tx<StoredObject[]>`
    SELECT id, bucket_id, name, owner, version, metadata, user_metadata, created_at, updated_at, last_accessed_at
    FROM storage.objects WHERE bucket_id = ${bucketId} AND name = ${name}`;
  return row;
}

/**
 * Writes the row of a new upload. `upsert` replaces an existing object's content (its id and owner
 * stay); without it an existing name is a unique violation. Answers the replaced version, if any.
 */
export async function writeObject(
  tx: Tx,
  bucketId: string,
  name: string,
  content: ObjectContent,
  mode: "create" | "upsert" | "update",
): Promise<{ id: string; replaced: string | null } | undefined> {
  const meta = tx.json(content.metadata as never);
  const user = content.user_metadata === null ? null : tx.json(content.user_metadata as never);
  if (mode === "update") {
    const [row] = await tx<{ id: string; replaced: string }[]>`
      UPDATE storage.objects o SET version = ${content.version}, metadata = ${meta}, user_metadata = ${user}
      FROM (SELECT id, version FROM storage.objects WHERE bucket_id = ${bucketId} AND name = ${name} FOR UPDATE) old
      WHERE o.id = old.id
      RETURNING o.id, old.version AS replaced`;
    return row;
  }
  const [row] = await tx<{ id: string; replaced: string | null }[]>`
    WITH old AS (
      SELECT version FROM storage.objects WHERE bucket_id = ${bucketId} AND name = ${name} FOR UPDATE
    )
    INSERT INTO storage.objects (bucket_id, name, version, metadata, user_metadata)
    VALUES (${bucketId}, ${name}, ${content.version}, ${meta}, ${user})
    ${
      mode === "upsert"
        ? tx`ON CONFLICT (bucket_id, name) DO UPDATE SET version = excluded.version,
               metadata = excluded.metadata, user_metadata = excluded.user_metadata`
        : tx``
    }
    RETURNING id, (SELECT version FROM old) AS replaced`;
  return row;
}

/** Which of `names` in the bucket the transaction's caller can see. */
export async function visibleNames(tx: Tx, bucketId: string, names: readonly string[]): Promise<Set<string>> {
  const rows = await tx<{ name: string }[]>`
    SELECT name FROM storage.objects WHERE bucket_id = ${bucketId} AND name = ANY(${names as string[]})`;
  return new Set(rows.map((row) => row.name));
}

export async function deleteObjects(
  tx: Tx,
  bucketId: string,
  names: readonly string[],
): Promise<StoredObject[]> {
  return tx<StoredObject[]>`
    DELETE FROM storage.objects WHERE bucket_id = ${bucketId} AND name = ANY(${names as string[]})
    RETURNING id, bucket_id, name, owner, version, metadata, user_metadata, created_at, updated_at, last_accessed_at`;
}

/** Every object of a bucket, in batches, for emptying it (the caller's policies decide which). */
export async function deleteObjectBatch(tx: Tx, bucketId: string, batch: number): Promise<string[]> {
  const rows = await tx<{ version: string }[]>`
    DELETE FROM storage.objects WHERE id IN (
      SELECT id FROM storage.objects WHERE bucket_id = ${bucketId} LIMIT ${batch}
    ) RETURNING version`;
  return rows.map((row) => row.version);
}

export async function renameObject(
  tx: Tx,
  from: { bucket: string; name: string },
  to: { bucket: string; name: string },
): Promise<boolean> {
  const rows = await tx`
    UPDATE storage.objects SET bucket_id = ${to.bucket}, name = ${to.name}
    WHERE bucket_id = ${from.bucket} AND name = ${from.name} RETURNING id`;
  return rows.length > 0;
}

export interface ListEntry {
  name: string;
  id: string | null;
  updated_at: string | null;
  created_at: string | null;
  last_accessed_at: string | null;
  metadata: ObjectMetadata | null;
}

export interface ListOptions {
  /** A folder ("" for the top), without its trailing slash. */
  folder: string;
  search: string;
  limit: number;
  offset: number;
  sortColumn: "name" | "created_at" | "updated_at" | "last_accessed_at";
  descending: boolean;
}

const likeEscape = (text: string) => text.replace(/[\\%_]/g, "\\$&");

/** The direct children of a folder: its objects, and its sub-folders once each (with a null id). */
export async function listFolder(tx: Tx, bucketId: string, options: ListOptions): Promise<ListEntry[]> {
  const prefix = options.folder === "" ? "" : `${options.folder}/`;
  const order = options.descending ? tx`DESC` : tx`ASC`;
  return tx<ListEntry[]>`
    SELECT name, id, updated_at, created_at, last_accessed_at, metadata FROM (
      SELECT DISTINCT ON (entry, is_folder) entry AS name,
        CASE WHEN is_folder THEN NULL ELSE id END AS id,
        CASE WHEN is_folder THEN NULL ELSE updated_at END AS updated_at,
        CASE WHEN is_folder THEN NULL ELSE created_at END AS created_at,
        CASE WHEN is_folder THEN NULL ELSE last_accessed_at END AS last_accessed_at,
        CASE WHEN is_folder THEN NULL ELSE metadata END AS metadata
      FROM (
        SELECT split_part(rest, '/', 1) AS entry, strpos(rest, '/') > 0 AS is_folder, o.*
        FROM (
          SELECT substr(name, ${prefix.length + 1}) AS rest, *
          FROM storage.objects
          WHERE bucket_id = ${bucketId} AND name LIKE ${`${likeEscape(prefix)}%`}
        ) o
      ) entries
      WHERE entry ILIKE ${`${likeEscape(options.search)}%`}
      ORDER BY entry, is_folder
    ) listed
    ORDER BY ${tx(options.sortColumn)} ${order} NULLS LAST, name
    LIMIT ${options.limit} OFFSET ${options.offset}`;
}
