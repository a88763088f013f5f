/**
 * The calls `job.toggles` and `job.ai` make to the server, with the run's user token (the run's own
 * identity, good only while the run holds the job). The server's host is always in the run's
 * `--allow-net`, so these need no permission; secrets such as AI keys stay on the server.
 */

/** A failed call, as the job sees it: the server's message, with its code and status kept. */
export class JobCallError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(message: string, code: string, status: number) {
    super(message);
    this.name = "JobCallError";
    this.code = code;
    this.status = status;
  }
}

export interface ServerLink {
  url: string;
  token: string;
}

/** Sends one JSON request; resolves to the parsed body or throws a JobCallError naming `what`. */
export async function callServer<T>(
  link: ServerLink,
  what: string,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${link.url.replace(/\/+$/, "")}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${link.token}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    text = await response.text();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const aborted = error instanceof Error && error.name === "AbortError";
    throw new JobCallError(`${what} failed: ${reason}`, aborted ? "ABORTED" : "NETWORK_ERROR", 0);
  }
  let parsed: unknown;
  try {
    parsed = text === "" ? null : JSON.parse(text);
  } catch {
    throw new JobCallError(
      `${what}: the server answered ${response.status} with no JSON`,
      "INVALID_RESPONSE",
      response.status,
    );
  }
  if (!response.ok) {
    const error = (parsed ?? {}) as { error?: unknown; code?: unknown };
    const message = typeof error.error === "string" ? error.error : `HTTP ${response.status}`;
    const code = typeof error.code === "string" ? error.code : "HTTP_ERROR";
    throw new JobCallError(`${what}: ${message}`, code, response.status);
  }
  return parsed as T;
}
