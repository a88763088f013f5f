/**
 * The server's logger: pino, writing to stderr so stdout stays free for what a command prints. Two
 * formats: `text` (one readable line per entry, the default) and `json` (pino's own lines, for log
 * shippers). Lines about a request carry its `request_id`, lines about a job run its `job_id`: given
 * as fields (withFields), not taken from an async context. On Node 20 an AsyncLocalStorage context
 * turns on a hook for every promise the process makes: trusted no-op jobs drained about a fifth
 * slower in a process that had served one request.
 */
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

/** `logger` with `fields` added to every line it writes (a line's own fields come after them). */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  const at =
    (level: LogLevel) =>
    (message: string, more?: Record<string, unknown>): void =>
      logger[level](message, more ? { ...fields, ...more } : fields);
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (scope) => withFields(logger.child(scope), fields),
  };
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
