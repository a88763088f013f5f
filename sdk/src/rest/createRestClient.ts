/**
 * `client.from(name)`: postgrest-js against `${url}/rest/v1`. A dotted name picks the schema
 * (sent as `Accept-Profile` / `Content-Profile`); headers come from the current session at request time.
 */
import { PostgrestClient } from "@supabase/postgrest-js";
import type { HttpClient } from "../http/HttpClient.ts";
import { splitRelation } from "./splitRelation.ts";

/** @internal The postgrest-js client of one FluxbaseClient. */
export function createRestClient(http: HttpClient, schema: string): PostgrestClient<any, any, any> {
  return new PostgrestClient<any, any, any>(`${http.url}/rest/v1`, { schema, fetch: http.fetchWithAuth });
}

/** @internal `rest.from("app.my_table")` → `rest.schema("app").from("my_table")`. */
export function fromRelation(rest: PostgrestClient<any, any, any>, name: string, defaultSchema: string) {
  const { schema, table } = splitRelation(name, defaultSchema);
  return rest.schema(schema).from(table);
}
