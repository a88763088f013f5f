/**
 * One-line errors: a mistake of the person typing (bad JSON, a bad number) or an error the server
 * answered prints `fluxbase: <message>` and exits 1; anything else is a bug and keeps its stack
 * (main.ts prints it).
 */
import type { FluxbaseResponse } from "../sdk/src/index.ts";

/** A mistake a person can fix; printed as `fluxbase: <message>`, exit code 1 (or `exitCode`). */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The data of an SDK result; an error becomes a CliError `<message> (<CODE>)`. */
export function unwrap<T>(response: FluxbaseResponse<T>): T {
  if (response.error) throw new CliError(`${response.error.message} (${response.error.code})`);
  return response.data;
}

/** A whole-number flag (`--limit 20`, `--priority=-5`), or undefined when it was not given. */
export function intFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw new CliError(`--${flag} expects a whole number, got "${value}"`);
  return Number(value);
}
