/** URL building for the jobs API: path segments are escaped, empty query values are left out. */

/** A query value; `undefined` and `null` leave the parameter out. */
export type QueryValue = string | number | boolean | null | undefined;

/** Joins `base` and `path` and appends the query parameters that have a value. */
export function buildUrl(base: string, path: string, query: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) params.append(name, String(value));
  }
  const search = params.toString();
  return `${base}${path}${search ? `?${search}` : ""}`;
}

/** Escapes one path segment (an id, a function name, a namespace). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

/** Removes trailing slashes so `${url}/api/v1` never doubles them. */
export function trimTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, "");
}
