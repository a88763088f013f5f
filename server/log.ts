/**
 * The server's logger: pino, writing to stderr so stdout stays free for what a command prints. Two
 * formats: `text` (one readable line per entry, the default) and `json` (pino's own lines, for log
 * shippers). Every line written while a request is handled carries its `request_id`, taken from the
 * async context (withLogContext), whoever logs it. Job runs do not open one (see JobWorker.launch):
 * the lines about a run carry its `job_id` as a field.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { pino } from "pino";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "text" | "json";

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

/** What the lines of the current request or job run say about it. */
export interface LogContext {
  request_id?: string;
  job_id?: string;
}

const context = new AsyncLocalStorage<LogContext>();

/** Runs `work` with `fields` added to every line logged inside it (and in what it starts). */
export function withLogContext<T>(fields: LogContext, work: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, work);
}

export interface LoggerOptions {
  format?: LogFormat;
  /** Where lines go. @default stderr */
  write?: (line: string) => void;
}

export function createLogger(
  level: LogLevel = "info",
  scope = "fluxbase",
  options: LoggerOptions = {},
): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const format = options.format ?? "text";
  const base = pino(
    {
      level,
      base: undefined,
      messageKey: "msg",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => ({ ...context.getStore() }),
    },
    { write: format === "json" ? write : (line: string) => write(asText(line)) },
  );
  return wrap(base.child({ scope }), scope);
}

function wrap(log: pino.Logger, scope: string): Logger {
  const at =
    (level: LogLevel) =>
    (message: string, fields?: Record<string, unknown>): void => {
      // Checked first: making the fields safe costs a JSON round trip, wasted on a line not written.
      if (!log.isLevelEnabled(level)) return;
      if (fields && Object.keys(fields).length > 0) log[level](safeFields(fields), message);
      else log[level](message);
    };
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (child) => wrap(log.child({ scope: `${scope}:${child}` }), `${scope}:${child}`),
  };
}

/** A pino JSON line as `<time> <LEVEL> [scope] message {fields}`. */
function asText(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  const { time, level, scope, msg, ...fields } = entry;
  const extra = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : "";
  return `${time} ${String(level).toUpperCase().padEnd(5)} [${scope}] ${msg}${extra}\n`;
}

/** Fields as JSON can carry them: errors by name and message, anything unserialisable named so. */
function safeFields(fields: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(
      JSON.stringify(fields, (_k, v) => (v instanceof Error ? { message: v.message, name: v.name } : v)),
    );
  } catch {
    return { fields: "[unserialisable]" };
  }
}
