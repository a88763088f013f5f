/**
 * The `Prefer` header (RFC 7240), as PostgREST reads it. Unknown preferences are ignored. One is our
 * own: `allow-unfiltered` lets a PATCH or DELETE without any filter through (otherwise refused).
 */
import { parseError } from "./restError.ts";

export interface Preferences {
  return: "minimal" | "representation" | "headers-only";
  /** Counting is always exact here; planned and estimated are accepted as exact. */
  count?: "exact" | "planned" | "estimated";
  resolution?: "merge-duplicates" | "ignore-duplicates";
  missingDefault: boolean;
  rollback: boolean;
  strict: boolean;
  maxAffected?: number;
  singleObject: boolean;
  allowUnfiltered: boolean;
  /** What to echo in `Preference-Applied`. */
  applied: string[];
}

export function parsePreferences(header: string | undefined): Preferences {
  const prefs: Preferences = {
    return: "minimal",
    missingDefault: false,
    rollback: false,
    strict: false,
    singleObject: false,
    allowUnfiltered: false,
    applied: [],
  };
  for (const raw of (header ?? "").split(",")) {
    const token = raw.trim();
    const [key = "", value = ""] = token.split("=", 2).map((part) => part.trim());
    const apply = () => prefs.applied.push(token);
    if (key === "return" && ["minimal", "representation", "headers-only"].includes(value)) {
      prefs.return = value as Preferences["return"];
      apply();
    } else if (key === "count" && ["exact", "planned", "estimated"].includes(value)) {
      prefs.count = value as Preferences["count"];
      apply();
    } else if (key === "resolution" && ["merge-duplicates", "ignore-duplicates"].includes(value)) {
      prefs.resolution = value as Preferences["resolution"];
      apply();
    } else if (key === "missing" && value === "default") {
      prefs.missingDefault = true;
      apply();
    } else if (key === "tx" && (value === "rollback" || value === "commit")) {
      prefs.rollback = value === "rollback";
      apply();
    } else if (key === "handling" && (value === "strict" || value === "lenient")) {
      prefs.strict = value === "strict";
      apply();
    } else if (key === "max-affected") {
      if (!/^\d{1,15}$/.test(value))
        throw parseError(`Invalid max-affected preference: ${value.slice(0, 40)}`);
      prefs.maxAffected = Number(value);
    } else if (key === "params" && value === "single-object") {
      prefs.singleObject = true;
      apply();
    } else if (key === "allow-unfiltered" && value === "") {
      prefs.allowUnfiltered = true;
      apply();
    }
  }
  if (prefs.maxAffected !== undefined && prefs.strict)
    prefs.applied.push(`max-affected=${prefs.maxAffected}`);
  if (!prefs.strict) delete prefs.maxAffected;
  return prefs;
}
