/** /storage/v1/bucket: the bucket half of the Supabase Storage API (what storage-js calls). */
import { Hono } from "hono";
import { z } from "zod";
import { badRequest } from "../../errors.ts";
import { emptyBucket } from "../../storage/readObjects.ts";
import type { Storage } from "../../storage/storage.ts";
import { authenticate } from "../authenticate.ts";
import { limitBody } from "../limitBody.ts";
import { readJson, validate } from "../readBody.ts";
import type { AppEnv, HttpDeps } from "../types.ts";

const size = z.union([z.number(), z.string()]).nullable().optional();
const mimeTypes = z.array(z.string()).nullable().optional();

export const createBucketBody = z.object({
  id: z.string().optional(),
  name: z.string().optional(),
  type: z.enum(["STANDARD"]).optional(),
  public: z.boolean().optional(),
  file_size_limit: size,
  allowed_mime_types: mimeTypes,
});

export const updateBucketBody = z.object({
  id: z.string().optional(),
  name: z.string().optional(),
  public: z.boolean().optional(),
  file_size_limit: size,
  allowed_mime_types: mimeTypes,
});

export const listBucketsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).optional(),
    offset: z.coerce.number().int().min(0).optional(),
    search: z.string().max(200).optional(),
    sortColumn: z.enum(["id", "name", "created_at", "updated_at"]).optional(),
    sortOrder: z.enum(["asc", "desc"]).optional(),
  })
  .strict();

export function storageBucketRoutes(deps: HttpDeps, storage: Storage) {
  const { buckets } = storage;
  return new Hono<AppEnv>()
    .use("*", authenticate(deps.verifyToken))
    .get("/", async (c) =>
      c.json(await buckets.list(c.get("identity"), validate(listBucketsQuery, c.req.query(), "query"))),
    )
    .get("/:id", async (c) => c.json(await buckets.get(c.get("identity"), c.req.param("id"))))
    .post("/", limitBody(deps.config.maxBodyBytes), async (c) => {
      const body = await readJson(c, createBucketBody);
      return c.json(await buckets.create(c.get("identity"), body));
    })
    .put("/:id", limitBody(deps.config.maxBodyBytes), async (c) => {
      const id = c.req.param("id");
      const body = await readJson(c, updateBucketBody);
      if ((body.id ?? id) !== id || (body.name ?? id) !== id)
        throw badRequest("INVALID_BUCKET_ID", "A bucket can't be renamed");
      return c.json(await buckets.update(c.get("identity"), id, body));
    })
    .post("/:id/empty", async (c) => c.json(await emptyBucket(storage, c.get("identity"), c.req.param("id"))))
    .delete("/:id", async (c) => c.json(await buckets.remove(c.get("identity"), c.req.param("id"))));
}
