/**
 * /storage/v1/object: the object half of the Supabase Storage API. Bodies stream in and out; names
 * are checked before use; what the caller may not read is a 404. Object bytes are served with a
 * sandboxing CSP and nosniff, so an uploaded page can never run script on the API's origin.
 */
import { Readable } from "node:stream";
import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { type DbIdentity, serviceIdentity } from "../../db/withClaims.ts";
import { badRequest } from "../../errors.ts";
import { checkBucketId, checkObjectName, checkPrefix } from "../../storage/objectName.ts";
import type { StoredObject } from "../../storage/objectStore.ts";
import {
  listObjects,
  moveObject,
  type ObjectRead,
  objectInfo,
  readableNames,
  readObject,
  readPublicObject,
  removeObjects,
} from "../../storage/readObjects.ts";
import { checkExpiresIn } from "../../storage/signedUrls.ts";
import type { Storage } from "../../storage/storage.ts";
import { readUploadBody } from "../../storage/uploadBody.ts";
import {
  copyObject,
  objectNotFound,
  tryWrite,
  uploadObject,
  type WriteMode,
} from "../../storage/writeObjects.ts";
import { authenticate } from "../authenticate.ts";
import { limitBody } from "../limitBody.ts";
import { readJson } from "../readBody.ts";
import type { AppEnv, HttpDeps } from "../types.ts";

/** How long a signed upload URL works, as in Supabase Storage. */
const signedUploadSeconds = 2 * 3600;

export const listBody = z.object({
  prefix: z.string().max(1024).default(""),
  limit: z.number().int().min(1).max(1000).default(100),
  offset: z.number().int().min(0).default(0),
  search: z.string().max(1024).default(""),
  sortBy: z
    .object({
      column: z.enum(["name", "created_at", "updated_at", "last_accessed_at"]).default("name"),
      order: z.enum(["asc", "desc"]).default("asc"),
    })
    .default({ column: "name", order: "asc" }),
});
export const moveBody = z.object({
  bucketId: z.string(),
  sourceKey: z.string(),
  destinationKey: z.string(),
  destinationBucket: z.string().optional(),
});
export const signBody = z.object({ expiresIn: z.number() });
export const signManyBody = z.object({ expiresIn: z.number(), paths: z.array(z.string()).min(1).max(1000) });
export const removeBody = z.object({ prefixes: z.array(z.string()).min(1).max(1000) });

/** The bucket and object name of a route, checked. */
function target(c: Context<AppEnv>) {
  return { bucket: checkBucketId(c.req.param("bucket")), name: checkObjectName(c.req.param("name")) };
}

/** The source and destination of a move or copy body, checked. */
async function moveTargets(c: Context<AppEnv>) {
  const body = await readJson(c, moveBody);
  return {
    from: { bucket: checkBucketId(body.bucketId), name: checkObjectName(body.sourceKey) },
    to: {
      bucket: checkBucketId(body.destinationBucket ?? body.bucketId),
      name: checkObjectName(body.destinationKey),
    },
  };
}

function objectHeaders(object: StoredObject, download: string | undefined): Record<string, string> {
  const meta = object.metadata;
  const headers: Record<string, string> = {
    "content-type": meta.mimetype,
    etag: meta.eTag,
    "cache-control": meta.cacheControl,
    "last-modified": new Date(meta.lastModified).toUTCString(),
    "accept-ranges": "bytes",
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
  };
  if (download !== undefined) {
    const file = download || object.name.split("/").at(-1) || "download";
    headers["content-disposition"] = `attachment; filename*=UTF-8''${encodeURIComponent(file)}`;
  }
  return headers;
}

function sendObject(c: Context<AppEnv>, read: ObjectRead | { object: StoredObject; unsatisfiable: true }) {
  const headers = objectHeaders(read.object, c.req.query("download"));
  const size = read.object.metadata.size;
  if ("unsatisfiable" in read)
    return c.json({ error: "The range is outside the object", code: "RANGE_NOT_SATISFIABLE" }, 416, {
      "content-range": `bytes */${size}`,
    });
  if (c.req.method === "HEAD") read.body.destroy();
  const { range } = read;
  headers["content-length"] = String(range ? range.end - range.start + 1 : size);
  if (range) headers["content-range"] = `bytes ${range.start}-${range.end}/${size}`;
  const body = c.req.method === "HEAD" ? null : (Readable.toWeb(read.body) as ReadableStream);
  return new Response(body, { status: range ? 206 : 200, headers });
}

export function storageObjectRoutes(deps: HttpDeps, storage: Storage) {
  const auth = authenticate(deps.verifyToken);
  const json = limitBody(deps.config.maxBodyBytes);
  const upload = async (c: Context<AppEnv>, identity: DbIdentity, mode: WriteMode) => {
    const { bucket, name } = target(c);
    const length = c.req.header("content-length");
    const body = await readUploadBody(c.req.raw);
    const target_ = { bucket, name, mode, contentLength: length ? Number(length) : null };
    return c.json(await uploadObject(storage, identity, target_, body));
  };
  const upsertMode = (c: Context<AppEnv>): WriteMode =>
    c.req.header("x-upsert") === "true" ? "upsert" : "create";

  return (
    new Hono<AppEnv>()
      .get("/public/:bucket/:name{.+}", async (c) => {
        const { bucket, name } = target(c);
        return sendObject(c, await readPublicObject(storage, bucket, name, c.req.header("range")));
      })
      .get("/sign/:bucket/:name{.+}", async (c) => {
        const { bucket, name } = target(c);
        const claims = await storage.signedUrls.verify(c.req.query("token"), `${bucket}/${name}`);
        if (claims.upload === true)
          throw badRequest("INVALID_SIGNATURE", "This token is for uploading, not reading");
        return sendObject(c, await readObject(storage, serviceIdentity, bucket, name, c.req.header("range")));
      })
      // The upload a signed upload URL allows, as the user who asked for it (their policies decide).
      .put("/upload/sign/:bucket/:name{.+}", async (c) => {
        const { bucket, name } = target(c);
        const claims = await storage.signedUrls.verify(c.req.query("token"), `${bucket}/${name}`);
        if (claims.upload !== true)
          throw badRequest("INVALID_SIGNATURE", "This token is for reading, not uploading");
        const identity = { dbRole: claims.role, claims: claims.claims } as DbIdentity;
        return upload(c, identity, claims.upsert === true ? "upsert" : "create");
      })
      .use("*", auth)
      .post("/upload/sign/:bucket/:name{.+}", async (c) => {
        const { bucket, name } = target(c);
        const { dbRole, claims } = c.get("identity");
        const mode = upsertMode(c);
        await storage.buckets.get(serviceIdentity, bucket);
        await tryWrite(storage, c.get("identity"), bucket, name, mode);
        const token = await storage.signedUrls.sign(`${bucket}/${name}`, signedUploadSeconds, {
          upload: true,
          upsert: mode === "upsert",
          role: dbRole,
          claims,
        });
        return c.json({ url: `/object/upload/sign/${bucket}/${name}?token=${token}`, token });
      })
      .post("/list/:bucket", json, async (c) => {
        const bucket = checkBucketId(c.req.param("bucket"));
        const body = await readJson(c, listBody);
        await storage.buckets.get(serviceIdentity, bucket);
        return c.json(
          await listObjects(storage, c.get("identity"), bucket, {
            folder: checkPrefix(body.prefix),
            search: body.search,
            limit: body.limit,
            offset: body.offset,
            sortColumn: body.sortBy.column,
            descending: body.sortBy.order === "desc",
          }),
        );
      })
      .post("/move", json, async (c) => {
        const { from, to } = await moveTargets(c);
        return c.json(await moveObject(storage, c.get("identity"), from, to));
      })
      .post("/copy", json, async (c) => {
        const { from, to } = await moveTargets(c);
        return c.json(await copyObject(storage, c.get("identity"), from, to));
      })
      .post("/sign/:bucket", json, async (c) => {
        const bucket = checkBucketId(c.req.param("bucket"));
        const body = await readJson(c, signManyBody);
        const expiresIn = checkExpiresIn(body.expiresIn);
        // Each path answers for itself: a bad name or one the caller can't read is that entry's error.
        const names = body.paths.map((path) => {
          try {
            return { path, name: checkObjectName(path), error: null };
          } catch (error) {
            return { path, name: null, error: (error as Error).message };
          }
        });
        const valid = names.flatMap((entry) => entry.name ?? []);
        const readable = await readableNames(storage, c.get("identity"), bucket, valid);
        const signed = [];
        for (const { path, name, error } of names) {
          if (name === null || !readable.has(name)) {
            signed.push({ error: error ?? objectNotFound(bucket, path).message, path, signedURL: null });
            continue;
          }
          const token = await storage.signedUrls.sign(`${bucket}/${name}`, expiresIn);
          signed.push({ error: null, path, signedURL: `/object/sign/${bucket}/${name}?token=${token}` });
        }
        return c.json(signed);
      })
      .post("/sign/:bucket/:name{.+}", json, async (c) => {
        const { bucket, name } = target(c);
        const expiresIn = checkExpiresIn((await readJson(c, signBody)).expiresIn);
        await objectInfo(storage, c.get("identity"), bucket, name);
        const token = await storage.signedUrls.sign(`${bucket}/${name}`, expiresIn);
        return c.json({ signedURL: `/object/sign/${bucket}/${name}?token=${token}` });
      })
      .get("/info/:bucket/:name{.+}", async (c) => {
        const { bucket, name } = target(c);
        return c.json(await objectInfo(storage, c.get("identity"), bucket, name));
      })
      .get("/authenticated/:bucket/:name{.+}", async (c) => {
        const { bucket, name } = target(c);
        return sendObject(
          c,
          await readObject(storage, c.get("identity"), bucket, name, c.req.header("range")),
        );
      })
      .delete("/:bucket", json, async (c) => {
        const bucket = checkBucketId(c.req.param("bucket"));
        const names = (await readJson(c, removeBody)).prefixes.map(checkObjectName);
        const removed = await removeObjects(storage, c.get("identity"), bucket, names);
        return c.json(removed.map(({ version: _version, ...object }) => object));
      })
      .post("/:bucket/:name{.+}", (c) => upload(c, c.get("identity"), upsertMode(c)))
      .put("/:bucket/:name{.+}", (c) => upload(c, c.get("identity"), "update"))
      .get("/:bucket/:name{.+}", async (c) => {
        const { bucket, name } = target(c);
        return sendObject(
          c,
          await readObject(storage, c.get("identity"), bucket, name, c.req.header("range")),
        );
      })
      .all("/:bucket", () => {
        throw badRequest("INVALID_KEY", "Name an object after the bucket: /object/<bucket>/<path>");
      })
  );
}
