/** The storage part of one server: bucket and object stores over a driver, and its URL signer. */
import type { Sql } from "../db/createSql.ts";
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
}

export function createStorage(options: StorageOptions): Storage {
  return {
    sql: options.sql,
    driver: options.driver ?? createDiskDriver(options.dir),
    buckets: createBucketStore(options.sql),
    maxFileSize: options.maxFileSize,
    signedUrls: createSignedUrls(options.jwtSecret),
  };
}
