/** The `{ data, error }` shapes every SDK method resolves to (a discriminated union on `error`). */
import type { FluxbaseError } from "./errors.ts";

/** A successful result: `data` is set and `error` is `null`. */
export interface FluxbaseSuccess<T> {
  data: T;
  error: null;
}

/** A failed result: `data` is `null` and `error` says what went wrong. */
export interface FluxbaseFailure {
  data: null;
  error: FluxbaseError;
}

/**
 * What every SDK method resolves to. Check `error` first; TypeScript then knows `data` is set.
 *
 * @example
 * const { data: job, error } = await client.jobs.get(id);
 * if (error) return console.error(error.code, error.message);
 * console.log(job.status);
 */
export type FluxbaseResponse<T> = FluxbaseSuccess<T> | FluxbaseFailure;

/**
 * A page of rows: `data` is the array and `count` the total number of matching rows on the server
 * (not just this page).
 */
export type FluxbaseListResponse<T> =
  /** `nextCursor`: for job lists, the `cursor` of the next page (null on the last one). */
  | { data: T[]; count: number; nextCursor?: string | null; error: null }
  | { data: null; count: null; nextCursor?: null; error: FluxbaseError };

/** Builds a success result. */
export function ok<T>(data: T): FluxbaseSuccess<T> {
  return { data, error: null };
}

/** Builds a failure result. */
export function fail(error: FluxbaseError): FluxbaseFailure {
  return { data: null, error };
}

/** Applies `map` to the data of a success and passes a failure through. */
export function mapResponse<T, U>(response: FluxbaseResponse<T>, map: (data: T) => U): FluxbaseResponse<U> {
  return response.error ? response : ok(map(response.data));
}
