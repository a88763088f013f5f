/**
 * Separates the guest's frames from the job's own output on stdout (and warm mode's end-of-run
 * marker on stderr). A line is a frame only when it
 * starts with the frame tag and this run's nonce (see ../protocol.ts); every other line, including
 * one that imitates a frame, goes to the log. Frame lines may be large (a result), log lines not.
 */
import { framePrefix, type GuestFrame, parseGuestFrame } from "../protocol.ts";
import type { LogSink } from "./logSink.ts";
import type { LogLevel } from "./types.ts";

export interface FrameLineOptions {
  /** The run's frame prefix: tag, nonce and the spaces around it. */
  prefix: Buffer;
  maxFrameBytes: number;
  log: LogSink;
  /** The level of a line that is not a frame. @default "info" (stdout) */
  fallbackLevel?: LogLevel;
  onFrame(frame: GuestFrame): void;
  /** An authenticated frame that could not be used (too large, not JSON, unknown shape). */
  onBadFrame(problem: string): void;
}

/** What to do with one output line of a run: a frame when it carries the run's prefix, else a log line. */
export function frameLineHandler(options: FrameLineOptions): (line: Buffer, droppedBytes: number) => void {
  const { prefix } = options;
  return (line, droppedBytes) => {
    if (line.length < prefix.length || !prefix.equals(line.subarray(0, prefix.length))) {
      return options.log.write(line.toString("utf8"), options.fallbackLevel ?? "info", droppedBytes);
    }
    if (droppedBytes > 0) return options.onBadFrame(`frame larger than ${options.maxFrameBytes} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(line.subarray(prefix.length).toString("utf8"));
    } catch {
      return options.onBadFrame("frame body is not JSON");
    }
    const frame = parseGuestFrame(body);
    if (typeof frame === "string") return options.onBadFrame(frame);
    options.onFrame(frame);
  };
}

/** Every frame prefix has this length: the tag, a 64-digit nonce and three separators. */
export const FRAME_PREFIX_BYTES = Buffer.byteLength(framePrefix("0".repeat(64)));
