/** Buckets, read and written as the caller: row-level security decides who sees and changes them. */
import type { Sql } from "../db/createSql.ts";
import { pgErrorToHttp } from "../db/pgErrors.ts";
import { type DbIdentity, withClaims } from "../db/withClaims.ts";
import { badRequest, conflict, HttpError, notFound } from "../errors.ts";
import { checkBucketId } from "./objectName.ts";

export interface Bucket {
  id: string;
  name: string;
  owner: string | null;
  public: boolean;
  file_size_limit: number | null;
  allowed_mime_types: string[] | null;
  created_at: string;
  updated_at: string;
}

export interface BucketSettings {
  public?: boolean;
  /** Bytes, or a size such as "10MB"; null removes the limit. */
  file_size_limit?: number | string | null;
  allowed_mime_types?: string[] | null;
}

export interface ListBucketsOptions {
  limit?: number;
  offset?: number;
  search?: string;
  sortColumn?: "id" | "name" | "created_at" | "updated_at";
  sortOrder?: "asc" | "desc";
}

const columns = `id, name, owner, public, file_size_limit::float8 AS file_size_limit, allowed_mime_types,
  created_at, updated_at`;

export const bucketNotFound = (id: string) =>
  notFound("BUCKET_NOT_FOUND", `Bucket not found: ${id}`, { bucket: id });

function rethrow(error: unknown, id: string): never {
  const mapped = pgErrorToHttp(error);
  if (mapped?.code === "DUPLICATE")
    throw conflict("BUCKET_EXISTS", `A bucket named ${id} already exists`, { bucket: id });
  throw mapped ?? error;
}

const units: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** 1048576, "1048576", "1MB", "512 kb" → bytes. */
export function parseSize(value: unknown, field: string): number | null {
  if (value === null) return null;
  if (typeof value === "number" && Number.isSafeInteger(value) && value > 0) return value;
  const match = typeof value === "string" ? /^\s*(\d+)\s*(b|kb|mb|gb)?\s*$/i.exec(value) : null;
  const bytes = match ? Number(match[1]) * units[(match[2] ?? "b").toLowerCase()] : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0)
    throw badRequest("INVALID_VALUE", `${field} must be a positive number of bytes or a size like "10MB"`, {
      field,
    });
  return bytes;
}

function checkMimeTypes(value: unknown): string[] | null {
  if (value === null || value === undefined) return null;
  if (
    !Array.isArray(value) ||
    !value.every((type) => typeof type === "string" && /^[\w.+-]+\/(\*|[\w.+-]+)$/.test(type))
  )
    throw badRequest(
      "INVALID_VALUE",
      "allowed_mime_types must be a list of MIME types such as image/png or image/*",
      { field: "allowed_mime_types" },
    );
  return value.length === 0 ? null : value;
}

function checkSettings(input: BucketSettings) {
  return {
    ...(input.public !== undefined ? { public: input.public === true } : {}),
    ...(input.file_size_limit !== undefined
      ? { file_size_limit: parseSize(input.file_size_limit, "file_size_limit") }
      : {}),
    ...(input.allowed_mime_types !== undefined
      ? { allowed_mime_types: checkMimeTypes(input.allowed_mime_types) }
      : {}),
  };
}

export function createBucketStore(sql: Sql) {
  const get = async (identity: DbIdentity, id: string): Promise<Bucket> => {
    const [bucket] = await withClaims(
      sql,
      identity,
      (tx) => tx.unsafe(`SELECT ${columns} FROM storage.buckets WHERE id = $1`, [id]) as Promise<Bucket[]>,
    );
    if (!bucket) throw bucketNotFound(id);
    return bucket;
  };

  return {
    get,

    async list(identity: DbIdentity, options: ListBucketsOptions = {}): Promise<Bucket[]> {
      const sortColumn = ["id", "name", "created_at", "updated_at"].includes(options.sortColumn ?? "")
        ? options.sortColumn
        : "name";
      const order = options.sortOrder === "desc" ? "DESC" : "ASC";
      const limit = Math.min(Math.max(Number(options.limit) || 100, 1), 1000);
      const offset = Math.max(Number(options.offset) || 0, 0);
      return withClaims(
        sql,
        identity,
        (tx) =>
          tx.unsafe(
            `SELECT ${columns} FROM storage.buckets WHERE name ILIKE $1 || '%'
             ORDER BY ${sortColumn} ${order} LIMIT $2 OFFSET $3`,
            [(options.search ?? "").replace(/[\\%_]/g, "\\$&"), limit, offset],
          ) as Promise<Bucket[]>,
      );
    },

    async create(identity: DbIdentity, input: BucketSettings & { id?: string; name?: string }) {
      const id = checkBucketId(input.id ?? input.name);
      const name = input.name ?? id;
      if (name !== id) throw badRequest("INVALID_BUCKET_ID", "A bucket's name and id are the same");
      const settings = { public: false, ...checkSettings(input) };
      await withClaims(
        sql,
        identity,
        (tx) => tx`INSERT INTO storage.buckets ${tx({ id, name, ...settings })}`,
      ).catch((error) => rethrow(error, id));
      return { name: id };
    },

    async update(identity: DbIdentity, id: string, input: BucketSettings) {
      const settings = checkSettings(input);
      if (Object.keys(settings).length === 0)
        throw badRequest("INVALID_VALUE", "Send public, file_size_limit or allowed_mime_types");
      const rows = await withClaims(
        sql,
        identity,
        (tx) => tx`UPDATE storage.buckets SET ${tx(settings)} WHERE id = ${id} RETURNING id`,
      ).catch((error) => rethrow(error, id));
      if (rows.length === 0) throw bucketNotFound(id);
      return { message: "Successfully updated" };
    },

    async remove(identity: DbIdentity, id: string) {
      const rows = await withClaims(
        sql,
        identity,
        (tx) => tx`DELETE FROM storage.buckets WHERE id = ${id} RETURNING id`,
      ).catch((error) => {
        if (pgErrorToHttp(error)?.code === "REFERENCE_VIOLATION")
          throw new HttpError(409, "BUCKET_NOT_EMPTY", `Bucket ${id} still has objects; empty it first`, {
            bucket: id,
          });
        return rethrow(error, id);
      });
      if (rows.length === 0) throw bucketNotFound(id);
      return { message: "Successfully deleted" };
    },
  };
}

export type BucketStore = ReturnType<typeof createBucketStore>;
