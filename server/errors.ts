/** Errors that callers catch. Every HTTP-facing failure is an HttpError with a machine-readable code. */

export type ErrorContext = Record<string, unknown>;

export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly context: ErrorContext;

  constructor(
    status: number,
    code: string,
    message: string,
    context: ErrorContext = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.context = context;
  }

  toJSON(): Record<string, unknown> {
    return { error: this.message, code: this.code, ...this.context };
  }
}

export const badRequest = (code: string, message: string, context?: ErrorContext) =>
  new HttpError(400, code, message, context);
export const unauthorized = (code: string, message: string, context?: ErrorContext) =>
  new HttpError(401, code, message, context);
export const forbidden = (code: string, message: string, context?: ErrorContext) =>
  new HttpError(403, code, message, context);
export const notFound = (code: string, message: string, context?: ErrorContext) =>
  new HttpError(404, code, message, context);
export const conflict = (code: string, message: string, context?: ErrorContext) =>
  new HttpError(409, code, message, context);

/** Start-up configuration that cannot be used; the message is one line meant for the operator. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** A migration that failed or changed after it was applied: names the file; a person fixes it. */
export class MigrationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MigrationError";
  }
}
