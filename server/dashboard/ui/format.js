/** How the dashboard writes times, durations, sizes and JSON. Job data is always shown as text. */

export function ago(iso, now = Date.now()) {
  if (!iso) return "—";
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return `${waited(seconds)} ago`;
}

/** 42 s, 3 min, 2 h, 4 d. */
export function waited(seconds) {
  if (seconds == null) return "—";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
}

export function json(value) {
  return value === undefined || value === null ? "—" : JSON.stringify(value, null, 2);
}

export function bytes(n) {
  if (n == null) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** "409 JOB_NOT_CANCELLABLE: Only a pending or running job can be cancelled". */
export function problem(error) {
  if (!error) return "";
  return [error.status, error.code].filter(Boolean).join(" ") + (error.message ? `: ${error.message}` : "");
}
