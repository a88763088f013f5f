/**
 * `client.admin.storage`: what the buckets hold, through `/api/v1/admin/storage`. Needs the service
 * key or an admin's token. Buckets and files themselves are `client.storage` (storage-js).
 */
import type { HttpClient } from "../http/HttpClient.ts";
import { type FluxbaseResponse, mapResponse } from "../response.ts";

/** A bucket with its settings, object count and total size. */
export interface BucketUsage {
  id: string;
  name: string;
  owner: string | null;
  public: boolean;
  /** Bytes; null: the server's limit. */
  file_size_limit: number | null;
  allowed_mime_types: string[] | null;
  created_at: string;
  updated_at: string;
  objects: number;
  bytes: number;
}

export class AdminStorageClient {
  readonly #http: HttpClient;

  /** @internal Created by `createClient`. */
  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** Every bucket by id, with how many objects and bytes it holds. */
  async buckets(): Promise<FluxbaseResponse<BucketUsage[]>> {
    const response = await this.#http.request<{ buckets: BucketUsage[] }>(
      "GET",
      "/api/v1/admin/storage/buckets",
    );
    return mapResponse(response, (body) => body.buckets);
  }
}
