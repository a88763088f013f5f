/**
 * Turns the job's raw output lines into log lines: level, no control characters, secrets masked,
 * each line capped and the run's total volume capped. Past the cap, one notice and then silence
 * (the streams are still drained, so the job never blocks on a full pipe).
 */
import type { SecretMasker } from "./secretMask.ts";
import type { LogLevel, SandboxLogLine } from "./types.ts";

export interface LogSinkOptions {
  maxLineBytes: number;
  maxTotalBytes: number;
  masker: SecretMasker;
  /** Applied to each line after masking. @default leave it */
  rewrite?: (text: string) => string;
  onLog(line: SandboxLogLine): void;
}

export interface LogSink {
  /** One line of output (or several, split on newlines); `droppedBytes` were cut off upstream. */
  write(text: string, fallback: LogLevel, droppedBytes?: number): void;
  /** One entry that keeps its line breaks (a thrown error's stack), capped like a line. */
  entry(text: string, level: LogLevel): void;
}

// CSI/OSC escape sequences first (so "\x1b[31m" does not leave "[31m" behind), then the rest.
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]/g;
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;
const LEVEL_PREFIX = /^\[(debug|info|warn|error)\] ?/;

export function createLogSink(options: LogSinkOptions): LogSink {
  const { maxLineBytes, maxTotalBytes, masker } = options;
  let total = 0;
  let full = false;

  const emit = (level: LogLevel, message: string) => {
    if (full) return;
    if (total + message.length > maxTotalBytes) {
      full = true;
      options.onLog({
        level: "warn",
        message: `log limit of ${maxTotalBytes} bytes reached; further output dropped`,
      });
      return;
    }
    total += message.length;
    options.onLog({ level, message });
  };

  const line = (raw: string, fallback: LogLevel, droppedBytes: number) => {
    let text = masker.mask(masker.mask(raw).replace(ESCAPES, "").replace(CONTROL, ""));
    if (options.rewrite) text = options.rewrite(text);
    let level = fallback;
    const prefix = LEVEL_PREFIX.exec(text);
    if (prefix) {
      level = prefix[1] as LogLevel;
      text = text.slice(prefix[0].length);
    }
    if (text.trim() === "") return;
    const truncated = droppedBytes > 0 || text.length > maxLineBytes;
    emit(level, truncated ? `${text.slice(0, maxLineBytes)} …[line truncated]` : text);
  };

  return {
    entry(text, level) {
      const lines = text
        .split("\n")
        .map((part) => masker.mask(masker.mask(part).replace(ESCAPES, "").replace(CONTROL, "")).trimEnd())
        .filter((part) => part.trim() !== "");
      if (lines.length === 0) return;
      let joined = lines.join("\n");
      if (options.rewrite) joined = options.rewrite(joined);
      emit(level, joined.length > maxLineBytes ? `${joined.slice(0, maxLineBytes)} …[truncated]` : joined);
    },
    write(text, fallback, droppedBytes = 0) {
      if (full) return;
      const lines = text.split("\n");
      for (let i = 0; i < lines.length; i++)
        line(lines[i]!, fallback, i === lines.length - 1 ? droppedBytes : 0);
    },
  };
}
