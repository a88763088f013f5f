/**
 * Turns what a job run reports into frames: validated and clamped (the job can produce these messages
 * itself), and after the first result or error nothing more, because the last frame ends the process.
 * Runs after the job's code has loaded, so it only uses captured built-ins.
 */
import { type GuestFrame, MAX_PROGRESS_MESSAGE } from "../protocol.ts";
import { captured as $ } from "./captured.ts";
import type { FrameWriter } from "./frameWriter.ts";
import type { JobMessage } from "./messages.ts";

export interface Reporter {
  report(message: JobMessage): void;
  /** Ends the run with an error frame (an uncaught error, a dead Worker). */
  fail(message: string, stack?: unknown): void;
}

/**
 * `beforeLastFrame` stops the job first (Worker mode), so none of its output interleaves with the
 * frame; `afterLastFrame` ends the process (warm mode keeps it for the next run instead).
 */
export function createReporter(
  writer: FrameWriter,
  beforeLastFrame: () => void = () => {},
  afterLastFrame: (code: number) => void = $.exit,
): Reporter {
  let finished = false;
  const send = (frame: GuestFrame) => writer.writeJson($.stringify(frame)!);
  const finish = (json: string, code: number) => {
    if (finished) return;
    finished = true;
    beforeLastFrame();
    writer.writeJson(json);
    afterLastFrame(code);
  };
  const fail = (message: string, stack?: unknown) =>
    finish($.stringify({ t: "error", message, stack: typeof stack === "string" ? stack : undefined })!, 1);

  return {
    fail,
    report(message) {
      if (finished || typeof message !== "object" || message === null) return;
      switch (message.t) {
        case "ready":
          return send({ t: "ready" });
        case "progress":
          if (typeof message.percent !== "number" || !$.isFinite(message.percent)) return;
          return send({
            t: "progress",
            percent: $.min(100, $.max(0, message.percent)),
            message:
              typeof message.message === "string"
                ? $.slice(message.message, 0, MAX_PROGRESS_MESSAGE)
                : undefined,
            data: message.data,
          });
        case "result":
          // JSON.stringify output has no raw newline; one here would let a job split the frame line.
          if (typeof message.json !== "string" || $.indexOf(message.json, "\n") !== -1) return;
          return finish(`{"t":"result","value":${message.json}}`, 0);
        case "error":
          return fail(text(message.message), message.stack);
        case "exit":
          return fail(`Job called Deno.exit(${text(message.code)}) before returning`);
      }
    },
  };
}

/** A job-made value as text, without letting its toString throw into the guest. */
function text(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return $.String(value);
  } catch {
    return "(unprintable value)";
  }
}
