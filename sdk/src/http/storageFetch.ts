/**
 * The fetch handed to storage-js, mending two things it does with error responses:
 * - it tells an API error from a network failure by `response instanceof Response`; when the
 *   Response class of `fetch` is not the global one (a polyfilled fetch, or a server in the same
 *   process that replaced the global classes, as @hono/node-server does) every error would read "{}";
 * - for downloads and `exists` it keeps the Response itself as the error and takes its `message`,
 *   which a Response lacks, so `error.message` read "{}" too. The server's message is set there.
 */
import type { FetchLike } from "./HttpClient.ts";

/** @internal */
export function storageFetch(fetchImpl: FetchLike): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const response: Response = await fetchImpl(input, init);
    if (response.ok && (response as unknown) instanceof Response) return response;
    if (response.ok) return new Response(response.body, response);
    const text = await response.text();
    const mended = new Response(text === "" ? null : text, response);
    let message = `${response.status} ${response.statusText}`.trim();
    try {
      const body = JSON.parse(text);
      if (typeof body?.error === "string") message = body.error;
    } catch {}
    Object.defineProperty(mended, "message", { value: message });
    return mended;
  }) as typeof fetch;
}
