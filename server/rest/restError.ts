/**
 * The REST API's error: PostgREST's body shape `{ code, message, details, hint }` with its status. It
 * extends HttpError so that the server's one error handler would still answer it sensibly.
 */
import { HttpError } from "../errors.ts";

export interface RestErrorBody {
  code: string;
  message: string;
  details: string | null;
  hint: string | null;
}

export class RestError extends HttpError {
  readonly details: string | null;
  readonly hint: string | null;
  /** Set when the error may come from a stale schema cache (unknown table, column or function). */
  readonly catalogMiss: boolean;

  constructor(
    status: number,
    code: string,
    message: string,
    extra: { details?: string | null; hint?: string | null; catalogMiss?: boolean; cause?: unknown } = {},
  ) {
    super(status, code, message, {}, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = "RestError";
    this.details = extra.details ?? null;
    this.hint = extra.hint ?? null;
    this.catalogMiss = extra.catalogMiss ?? false;
  }

  override toJSON(): Record<string, unknown> {
    return { ...this.body() };
  }

  body(): RestErrorBody {
    return { code: this.code, message: this.message, details: this.details, hint: this.hint };
  }
}

/** PGRST100: the query string (select, filters, order, limit...) could not be parsed. */
export const parseError = (message: string, details: string | null = null) =>
  new RestError(400, "PGRST100", message, { details });

/** 42703 as PostgREST reports it: a column named in the request is not in the relation. */
export const unknownColumn = (relation: string, column: string) =>
  new RestError(400, "42703", `column ${relation}.${column} does not exist`, { catalogMiss: true });

/** PGRST204: a column named in a write's payload or `columns` is not in the relation. */
export const unknownPayloadColumn = (relation: string, column: string) =>
  new RestError(
    400,
    "PGRST204",
    `Could not find the '${column}' column of '${relation}' in the schema cache`,
    {
      catalogMiss: true,
    },
  );

/** PGRST205: the table or view is not in the schema cache. */
export const unknownRelation = (schema: string, name: string) =>
  new RestError(404, "PGRST205", `Could not find the table '${schema}.${name}' in the schema cache`, {
    catalogMiss: true,
  });

/** PGRST116: an object (`.single()`) was requested but the result does not have exactly one row. */
export const notOneRow = (rows: number) =>
  new RestError(406, "PGRST116", "JSON object requested, multiple (or no) rows returned", {
    details: `The result contains ${rows} rows`,
  });
