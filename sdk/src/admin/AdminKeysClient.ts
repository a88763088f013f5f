/** `client.admin.keys`: API keys for programs (CI, agents), scoped to jobs:read / jobs:write. */
import { segment } from "../http/buildUrl.ts";
import type { HttpClient } from "../http/HttpClient.ts";
import { type FluxbaseResponse, mapResponse } from "../response.ts";

export type ApiKeyScope = "jobs:read" | "jobs:write";

/** An API key as listed: never its secret. */
export interface ApiKey {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  /** Null: every namespace. */
  namespace: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
}

export interface CreateApiKeyInput {
  /** Letters, digits, `.`, `_` and `-`; one live key per name. */
  name: string;
  /** `jobs:read`: list, get, logs, attempts. `jobs:write`: submit, cancel, retry. */
  scopes: ApiKeyScope[];
  /** Confine the key to one namespace's jobs. @default every namespace */
  namespace?: string;
  /** How long it works: `"90d"`, `"12h"`, or seconds. @default until revoked */
  expiresIn?: string;
}

const BASE = "/api/v1/admin/keys";

export class AdminKeysClient {
  readonly #http: HttpClient;

  /** @internal Created by `createClient`. */
  constructor(http: HttpClient) {
    this.#http = http;
  }

  /**
   * Creates a key; `data.key` (`fbk_...`) is shown this once: keep it now. Send it as
   * `Authorization: Bearer <key>` (or `createClient(url, key)`) to the jobs API. Errors: `KEY_EXISTS` (409).
   */
  create(input: CreateApiKeyInput): Promise<FluxbaseResponse<ApiKey & { key: string }>> {
    return this.#http.request("POST", BASE, {
      body: {
        name: input.name,
        scopes: input.scopes,
        namespace: input.namespace,
        expires_in: input.expiresIn,
      },
    });
  }

  /** Every key, live ones first, revoked ones kept for the record. */
  async list(): Promise<FluxbaseResponse<ApiKey[]>> {
    return mapResponse(await this.#http.request<{ keys: ApiKey[] }>("GET", BASE), (body) => body.keys);
  }

  /** Revokes the live key named `name`; it is refused from the next request. Errors: `KEY_NOT_FOUND` (404). */
  revoke(name: string): Promise<FluxbaseResponse<ApiKey>> {
    return this.#http.request("DELETE", `${BASE}/${segment(name)}`);
  }
}
