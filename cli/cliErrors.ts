/**
 * One-line errors for the commands that talk to a running server: a mistake of the person typing
 * (unknown flag, bad JSON, missing id) or an error the server answered prints `fluxbase: <message>`
 * and exits 1; anything else is a bug and keeps its stack (main.ts prints it).
 */
import type { FluxbaseResponse } from "../sdk/src/index.ts";

/** A mistake a person can fix; printed as `fluxbase: <message>`, exit code 1. */
export class CliError extends Error {
  override name = "CliError";
}

/** The data of an SDK result; an error becomes a CliError `<message> (<CODE>)`. */
export function unwrap<T>(response: FluxbaseResponse<T>): T {
  if (response.error) throw new CliError(`${response.error.message} (${response.error.code})`);
  return response.data;
}

/** Runs a command, turning CliErrors and flag-parsing errors into one line on stderr and exit code 1. */
export async function reportErrors(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const parseError = typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
    if (!(error instanceof CliError) && !parseError) throw error;
    process.stderr.write(`fluxbase: ${(error as Error).message.replace(/\s*\n\s*/g, " ")}\n`);
    return 1;
  }
}

/** The positionals a command takes, or a CliError that shows the expected shape. */
export function expectPositionals(positionals: string[], shape: string[], usage: string): string[] {
  if (positionals.length !== shape.length) {
    throw new CliError(`expected \`${[usage, ...shape.map((name) => `<${name}>`)].join(" ")}\``);
  }
  return positionals;
}

/** A whole-number flag (`--limit 20`, `--priority=-5`), or undefined when it was not given. */
export function intFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw new CliError(`--${flag} expects a whole number, got "${value}"`);
  return Number(value);
}
