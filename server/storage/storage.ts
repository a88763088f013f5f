/** The storage part of one server: bucket and object stores over a driver, and its URL signer. */
import type { Sql } from "../db/createSql.ts";
import type { Logger } from "../log.ts";
import { createBucketStore } from "./bucketStore.ts";
import { createDiskDriver } from "./diskDriver.ts";
import type { StorageDriver } from "./driver.ts";
import { createSignedUrls, type SignedUrls } from "./signedUrls.ts";
import type { WriteDeps } from "./writeObjects.ts";

export interface Storage extends WriteDeps {
  signedUrls: SignedUrls;
}

export interface StorageOptions {
  sql: Sql;
  /** Where the disk driver keeps blobs (FLUXBASE_STORAGE_DIR). */
  dir: string;
  maxFileSize: number;
  jwtSecret: string;
  /** Another driver than the disk (tests, or an app embedding the server). */
  driver?: StorageDriver;
  logger: Logger;
}

/** An upload aside for this long was cut off by a crash; longer uploads than a day are not expected. */
const abandonedAfterMs = 24 * 3600 * 1000;

export function createStorage(options: StorageOptions): Storage {
  const driver = options.driver ?? createDiskDriver(options.dir);
  driver.sweepAbandoned(abandonedAfterMs).then(
    (swept) => swept > 0 && options.logger.info("removed abandoned uploads", { swept }),
    (error: Error) => options.logger.warn("could not sweep abandoned uploads", { error: error.message }),
  );
  return {
    sql: options.sql,
    driver,
    buckets: createBucketStore(options.sql),
    maxFileSize: options.maxFileSize,
    signedUrls: createSignedUrls(options.jwtSecret),
  };
}
