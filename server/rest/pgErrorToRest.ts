/**
 * Postgres errors as PostgREST answers them: the SQLSTATE becomes the code, the server's message,
 * detail and hint are passed on, and the status follows PostgREST's table. Two deliberate changes:
 * 54xxx (a statement too complex or a value too large) is the client's doing, so 400 rather than 500;
 * and 42501 is 401 for anonymous callers, 403 for everyone else.
 */
import { isPgError } from "../db/pgErrors.ts";
import { RestError } from "./restError.ts";

const byCode: Record<string, number> = {
  "23503": 409,
  "23505": 409,
  "25006": 405,
  "42883": 404,
  "42P01": 404,
  "42P17": 500,
  P0001: 400,
};

const byClass: Record<string, number> = {
  "08": 503,
  "09": 500,
  "0L": 403,
  "0P": 403,
  "25": 500,
  "28": 403,
  "2D": 500,
  "38": 500,
  "39": 500,
  "3B": 500,
  "40": 500,
  "53": 503,
  "54": 400,
  "55": 500,
  "57": 500,
  "58": 500,
  F0: 500,
  HV: 500,
  P0: 500,
  XX: 500,
};

export function pgStatus(code: string, anonymous: boolean): number {
  if (code === "42501") return anonymous ? 401 : 403;
  const custom = /^PT(\d{3})$/.exec(code);
  if (custom) {
    const status = Number(custom[1]);
    if (status >= 100 && status <= 599) return status;
  }
  return byCode[code] ?? byClass[code.slice(0, 2)] ?? 400;
}

interface PgFields {
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

/** Undefined when `error` is not a Postgres server error. */
export function pgErrorToRest(error: unknown, anonymous: boolean): RestError | undefined {
  if (!isPgError(error)) return undefined;
  const pg = error as unknown as PgFields;
  return new RestError(pgStatus(pg.code, anonymous), pg.code, pg.message, {
    details: pg.detail ?? null,
    hint: pg.hint ?? null,
    catalogMiss: pg.code === "42P01" || pg.code === "42703" || pg.code === "42883",
    cause: error,
  });
}
