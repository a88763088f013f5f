/** The client: one identity (`auth`), and the jobs, admin, realtime, REST and storage APIs that share it. */
import type { PostgrestClient } from "@supabase/postgrest-js";
import { StorageClient } from "@supabase/storage-js";
import { AdminClient } from "./admin/AdminClient.ts";
import { FluxbaseAuth } from "./auth/FluxbaseAuth.ts";
import { EventsClient } from "./events/EventsClient.ts";
import { trimTrailingSlashes } from "./http/buildUrl.ts";
import { HttpClient } from "./http/HttpClient.ts";
import { storageFetch } from "./http/storageFetch.ts";
import { JobsClient } from "./jobs/JobsClient.ts";
import type { ResolvedClientOptions } from "./options.ts";
import { FluxbaseRealtime } from "./realtime/FluxbaseRealtime.ts";
import { createRestClient, fromRelation } from "./rest/createRestClient.ts";
import { TogglesClient } from "./toggles/TogglesClient.ts";

/** A Fluxbase client; make one with `createClient(url, key, options)`. */
export class FluxbaseClient {
  /** The server's base URL, without a trailing slash. */
  readonly url: string;
  /** Switch the user the client acts as (`setSession`, `setAccessToken`). */
  readonly auth: FluxbaseAuth;
  /** Submit and follow your own background jobs. */
  readonly jobs: JobsClient;
  /** Operator APIs (service key or admin token): all jobs, workers, stats, job functions. */
  readonly admin: AdminClient;
  /** Named events that start the job functions listening to them. */
  readonly events: EventsClient;
  /** Feature toggles for the current user's tenant. */
  readonly toggles: TogglesClient;
  /**
   * File storage (buckets and objects), the storage-js client: `storage.from("bucket").upload(...)`,
   * `.download(...)`, `.list(...)`, `.createSignedUrl(...)`; results are `{ data, error }`.
   */
  readonly storage: StorageClient;
  readonly #rest: PostgrestClient<any, any, any>;
  readonly #schema: string;
  readonly #options: ResolvedClientOptions;
  #realtime: FluxbaseRealtime | null = null;

  /** @internal Use `createClient`. */
  constructor(url: string, key: string, options: ResolvedClientOptions) {
    this.url = trimTrailingSlashes(url);
    this.#options = options;
    this.#schema = options.schema;
    this.auth = new FluxbaseAuth(key);
    const http = new HttpClient(this.url, this.auth, options.fetch, options.headers);
    this.jobs = new JobsClient(http, () => this.realtime);
    this.admin = new AdminClient(http);
    this.toggles = new TogglesClient(http);
    this.events = new EventsClient(http);
    this.storage = new StorageClient(`${this.url}/storage/v1`, {}, storageFetch(http.fetchWithAuth));
    this.#rest = createRestClient(http, options.schema);
  }

  /**
   * Live database changes over one WebSocket, opened on the first `subscribe()`.
   * @example
   * client.realtime.channel("table:jobs.queue").on("UPDATE", (p) => console.log(p.new)).subscribe();
   */
  get realtime(): FluxbaseRealtime {
    this.#realtime ??= new FluxbaseRealtime(this.url, this.auth, this.#options.realtime, this.#schema);
    return this.#realtime;
  }

  /**
   * A postgrest-js query on a table or view; `"app.my_table"` queries schema `app`, an undotted name
   * the default schema (`options.db.schema`, `"public"`). Resolves to postgrest-js's `{ data, error }`.
   * @example
   * const { data, error } = await client.from("app.my_table").select("*").eq("user_id", id);
   */
  from(relation: string) {
    return fromRelation(this.#rest, relation, this.#schema);
  }

  /**
   * Calls a Postgres function through `/rest/v1/rpc/<fn>` in the default schema (postgrest-js `rpc`).
   * @example
   * const { data } = await client.rpc("add", { a: 1, b: 2 });
   */
  rpc(
    fn: string,
    args: Record<string, unknown> = {},
    options?: { head?: boolean; get?: boolean; count?: "exact" | "planned" | "estimated" },
  ) {
    return this.#rest.rpc(fn, args, options);
  }

  /** The postgrest-js client of another schema, for `from()` and `rpc()` there. */
  schema(name: string) {
    return this.#rest.schema(name);
  }
}
