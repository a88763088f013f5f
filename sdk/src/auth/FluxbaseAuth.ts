/**
 * Which identity the client speaks as. The key given to `createClient` is always sent as `apikey`;
 * `Authorization` carries the session's access token when one is set, else the key itself.
 * Changing the token affects every later REST and jobs request and is pushed to realtime.
 */
import { FluxbaseError } from "../errors.ts";
import { type FluxbaseResponse, fail, ok } from "../response.ts";

/** The part of a session the SDK uses. */
export interface FluxbaseSession {
  /** A JWT for the user; sent as `Authorization: Bearer <access_token>`. */
  access_token: string;
}

type TokenListener = (token: string) => void;

/** `client.auth`: switch the user the client acts as. */
export class FluxbaseAuth {
  readonly #key: string;
  #session: FluxbaseSession | null = null;
  readonly #listeners = new Set<TokenListener>();

  /** @internal Created by `createClient`. */
  constructor(key: string) {
    this.#key = key;
  }

  /**
   * Act as the user of `session.access_token` from now on (REST, jobs and realtime).
   * Pass `null` to go back to the key given to `createClient`.
   *
   * The switch happens synchronously; awaiting the result is only needed to see a validation error.
   */
  async setSession(
    session: FluxbaseSession | null,
  ): Promise<FluxbaseResponse<{ session: FluxbaseSession | null }>> {
    if (session !== null && (typeof session?.access_token !== "string" || session.access_token === "")) {
      return fail(
        new FluxbaseError(
          `setSession expects { access_token: "<jwt>" } or null; got ${describe(session)}`,
          "VALIDATION_ERROR",
          0,
        ),
      );
    }
    this.#session = session === null ? null : { access_token: session.access_token };
    this.#emit();
    return ok({ session: this.#session });
  }

  /**
   * Act as the user of this JWT from now on; shorthand for `setSession({ access_token: token })`.
   * Pass `null` to go back to the key given to `createClient`.
   */
  async setAccessToken(token: string | null): Promise<FluxbaseResponse<{ session: FluxbaseSession | null }>> {
    return this.setSession(token === null ? null : { access_token: token });
  }

  /** The current session, or `null` when the client speaks with its key. */
  async getSession(): Promise<FluxbaseResponse<{ session: FluxbaseSession | null }>> {
    return ok({ session: this.#session });
  }

  /** The token sent as `Authorization` right now: the session's access token, else the key. */
  getAccessToken(): string {
    return this.#session?.access_token ?? this.#key;
  }

  /** The key given to `createClient`, sent as the `apikey` header on every request. */
  getApiKey(): string {
    return this.#key;
  }

  /** @internal Calls `listener` with the new token after every change; returns an unsubscribe function. */
  onTokenChange(listener: TokenListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(): void {
    const token = this.getAccessToken();
    for (const listener of this.#listeners) {
      try {
        listener(token);
      } catch {
        // A listener that throws must not stop the token switch or the other listeners.
      }
    }
  }
}

/** Says what was passed without echoing it (it may hold a token). */
function describe(value: unknown): string {
  if (value === null || typeof value !== "object") return typeof value;
  const token = (value as { access_token?: unknown }).access_token;
  return token === "" ? "an empty access_token" : `an object whose access_token is ${typeof token}`;
}
