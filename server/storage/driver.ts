/**
 * Where object bytes live. The metadata (names, owners, sizes) is in storage.objects; a driver only
 * stores opaque blobs under keys the server makes (object versions, uuids), so it never sees a name.
 */
import type { Readable } from "node:stream";

export interface WrittenBlob {
  size: number;
  /** Hex MD5 of the bytes, quoted as an HTTP ETag by the routes. */
  md5: string;
}

/** Bytes written but not yet visible under their key: `commit` publishes them, `discard` drops them. */
export interface PendingBlob extends WrittenBlob {
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export interface BlobRange {
  start: number;
  /** Inclusive. */
  end: number;
}

export interface StorageDriver {
  /**
   * Streams `body` aside (never whole in memory). More than `maxBytes` fails the write with
   * ObjectTooLargeError (after the body was read to its end) and leaves nothing behind.
   */
  write(key: string, body: Readable, maxBytes: number): Promise<PendingBlob>;
  /** The bytes of `key` (or of one range of them); null when the blob is gone. */
  read(key: string, range?: BlobRange): Promise<Readable | null>;
  copy(fromKey: string, toKey: string): Promise<void>;
  /** Missing keys are not an error. */
  remove(keys: readonly string[]): Promise<void>;
  /** Drops writes never committed or discarded (a crash mid-upload) older than `ms`; answers how many. */
  sweepAbandoned(ms: number): Promise<number>;
}

export class ObjectTooLargeError extends Error {
  readonly maxBytes: number;
  constructor(maxBytes: number) {
    super(`The object is larger than ${maxBytes} bytes`);
    this.name = "ObjectTooLargeError";
    this.maxBytes = maxBytes;
  }
}
