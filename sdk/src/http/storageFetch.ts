/**
 * The fetch handed to storage-js. storage-js tells an API error (`{ error, code }` with a status)
 * from a network failure by `response instanceof Response`; when the Response class of `fetch` is
 * not the global one (a polyfilled fetch, or a server in the same process that replaced the global
 * classes, as @hono/node-server does), every error would read "{}". Such a response is re-wrapped.
 */
import type { FetchLike } from "./HttpClient.ts";

/** @internal */
export function storageFetch(fetchImpl: FetchLike): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const response: Response = await fetchImpl(input, init);
    if ((response as unknown) instanceof Response) return response;
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }) as typeof fetch;
}
