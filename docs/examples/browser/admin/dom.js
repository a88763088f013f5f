/**
 * Small helpers of the admin page. `el()` builds elements from text and attributes only: job data
 * (payloads, messages, errors, log lines) may hold markup, and it is never parsed as HTML.
 */

/** The element with this id (the page's own ids only). */
export const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * `el("td", { text: job.status, class: "status" })`: `text` becomes textContent, `on<event>` a
 * listener, anything else an attribute (skipped when null, undefined or false). Children may be
 * strings, which become text nodes.
 */
export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = String(value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  node.append(...children);
  return node;
}

/** Whether `row` is an older version than `than` (by `updated_at`, else `last_heartbeat_at`). */
export function isOlder(row, than) {
  if (!than) return false;
  const stamp = (r) => Date.parse(r.updated_at ?? r.last_heartbeat_at ?? "");
  return stamp(row) < stamp(than);
}

/** "4 s ago", "3 min ago", "2 h ago". */
export function age(iso, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return "never";
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

/** "0.42 s", "12.3 s", "4 min 5 s"; "none yet" for null. */
export function duration(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return "none yet";
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** A timestamp in the reader's locale, or "—". */
export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
}

/** JSON for a `<pre>`. */
export function json(value) {
  return value === undefined ? "" : JSON.stringify(value, null, 2);
}

/** "409 JOB_NOT_CANCELLABLE: Only a pending or running job…" (status left out when no response came). */
export function describeError(error) {
  return `${error.status ? `${error.status} ` : ""}${error.code}: ${error.message}`;
}

/** The token's email, else subject, else role; read (not verified: the server does that) from the JWT. */
export function describeToken(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    const who = claims.email ?? claims.sub ?? claims.role ?? "an unnamed caller";
    return claims.role && claims.role !== who ? `${who} (role ${claims.role})` : String(who);
  } catch {
    return "the given token";
  }
}
