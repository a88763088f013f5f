/**
 * The default driver: one file per blob under `<root>/<first two chars>/<key>`. A write goes to
 * `<root>/tmp/` and is renamed into place on commit, so a reader never sees half a file.
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { copyFile, mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type BlobRange, ObjectTooLargeError, type PendingBlob, type StorageDriver } from "./driver.ts";

const keyPattern = /^[0-9a-f-]{36}$/;

export function createDiskDriver(root: string): StorageDriver {
  const tmpDir = path.join(root, "tmp");
  const fileOf = (key: string) => {
    // Keys are uuids the server made; anything else is a bug, not a path to follow.
    if (!keyPattern.test(key)) throw new Error(`not a blob key: ${JSON.stringify(key)}`);
    return path.join(root, key.slice(0, 2), key);
  };

  return {
    async write(key, body, maxBytes) {
      const target = fileOf(key);
      await mkdir(tmpDir, { recursive: true });
      const aside = path.join(tmpDir, randomUUID());
      const md5 = createHash("md5");
      let size = 0;
      // Past the limit the rest is read and dropped rather than the request torn down, so the
      // client gets its 413 instead of a reset connection.
      const count = new Transform({
        transform(chunk: Buffer, _encoding, done: TransformCallback) {
          size += chunk.length;
          if (size > maxBytes) return done();
          md5.update(chunk);
          done(null, chunk);
        },
      });
      try {
        await pipeline(body, count, createWriteStream(aside, { mode: 0o600 }));
        if (size > maxBytes) throw new ObjectTooLargeError(maxBytes);
      } catch (error) {
        await rm(aside, { force: true });
        throw error;
      }
      const pending: PendingBlob = {
        size,
        md5: md5.digest("hex"),
        async commit() {
          await mkdir(path.dirname(target), { recursive: true });
          await rename(aside, target);
        },
        discard: () => rm(aside, { force: true }),
      };
      return pending;
    },

    async read(key, range?: BlobRange) {
      const file = fileOf(key);
      try {
        await stat(file);
      } catch {
        return null;
      }
      return createReadStream(file, range ? { start: range.start, end: range.end } : {});
    },

    async copy(fromKey, toKey) {
      const target = fileOf(toKey);
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(fileOf(fromKey), target);
    },

    async remove(keys) {
      await Promise.all(keys.map((key) => rm(fileOf(key), { force: true })));
    },

    async sweepAbandoned(ms) {
      const names = await readdir(tmpDir).catch(() => [] as string[]);
      let swept = 0;
      for (const name of names) {
        const file = path.join(tmpDir, name);
        const info = await stat(file).catch(() => null);
        if (info && Date.now() - info.mtimeMs > ms) {
          await rm(file, { force: true });
          swept++;
        }
      }
      return swept;
    },
  };
}
