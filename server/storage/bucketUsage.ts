/** What each bucket holds, for operators: its settings with its object count and bytes. */
import type { Sql } from "../db/createSql.ts";
import { type DbIdentity, withClaims } from "../db/withClaims.ts";
import type { Bucket } from "./bucketStore.ts";

export interface BucketUsage extends Bucket {
  objects: number;
  bytes: number;
}

/** As the caller: admins and the service role see every bucket and object. */
export function bucketUsage(sql: Sql, identity: DbIdentity): Promise<BucketUsage[]> {
  return withClaims(
    sql,
    identity,
    (tx) => tx<BucketUsage[]>`
      SELECT b.id, b.name, b.owner, b.public, b.file_size_limit::float8 AS file_size_limit,
        b.allowed_mime_types, b.created_at, b.updated_at,
        count(o.id)::int AS objects, coalesce(sum((o.metadata->>'size')::bigint), 0)::float8 AS bytes
      FROM storage.buckets b LEFT JOIN storage.objects o ON o.bucket_id = b.id
      GROUP BY b.id ORDER BY b.id`,
  );
}
