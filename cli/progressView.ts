/**
 * How `jobs submit --wait` and `jobs logs --follow` show a job while it runs. On a terminal: one live
 * line at the bottom (a bar, percent, message, elapsed time), coloured unless NO_COLOR is set, with
 * other lines printed above it. Elsewhere (a pipe, a file, CI): plain lines, one per new progress
 * report when `plainProgress` is set. Either way a line for each failed attempt and its retry.
 */
import type { Job } from "../sdk/src/index.ts";
import { formatDuration, formatTime } from "./output.ts";

export interface ProgressView {
  /** A state of the job: redraws the bar, or prints a line for a failed attempt or a retry. */
  update(job: Job): void;
  /** A line of its own (a log line, a message), printed above the live line. */
  line(text: string, stream?: NodeJS.WriteStream): void;
  /** Clears the live line for good; later output is plain. */
  stop(): void;
}

export interface ProgressViewOptions {
  /** Where the live line and progress lines go. */
  out: NodeJS.WriteStream;
  /** Without a terminal, print `[ 40%] message` for each new progress report. */
  plainProgress: boolean;
  /** Where attempt lines go without a terminal (so stdout keeps only what the command promises). */
  notes: NodeJS.WriteStream;
}

const REDRAW_MS = 100;
const BAR_WIDTH = 24;
const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export function createProgressView({ out, plainProgress, notes }: ProgressViewOptions): ProgressView {
  const live = out.isTTY === true;
  const color = live && !process.env.NO_COLOR;
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const since = Date.now();
  let job: Job | undefined;
  let shown = false;
  let frame = 0;
  let lastPlain = "";
  let stopped = false;
  const attempts = new AttemptTracker();

  const draw = () => {
    if (!job || stopped) return;
    const text = fitToWidth(liveText(job, since, frame++, paint), out.columns || 80);
    out.write(`\r\x1b[2K${text}`);
    shown = true;
  };
  const clear = () => {
    if (shown) out.write("\r\x1b[2K");
    shown = false;
  };
  const timer = live ? setInterval(draw, REDRAW_MS) : undefined;
  timer?.unref();

  const view: ProgressView = {
    update(next) {
      job = next;
      for (const note of attempts.notes(next)) view.line(paint("33", note), live ? out : notes);
      if (live) draw();
      else if (plainProgress && next.progress) {
        const text =
          `[${String(next.progress.percent).padStart(3)}%] ${next.progress.message ?? ""}`.trimEnd();
        if (text !== lastPlain) out.write(`${text}\n`);
        lastPlain = text;
      }
    },
    line(text, stream = out) {
      if (live && stream === out) clear();
      stream.write(`${text}\n`);
      if (live && stream === out) draw();
    },
    stop() {
      clearInterval(timer);
      clear();
      stopped = true;
    },
  };
  return view;
}

type Paint = (code: string, text: string) => string;

/** `⠹ [██████████░░░░]  40%  Step 2/5  12.3s`, or the state before the job runs. */
function liveText(job: Job, since: number, frame: number, paint: Paint): string {
  const spinner = paint("36", SPINNER[frame % SPINNER.length]!);
  const started = job.started_at ? Date.parse(job.started_at) : since;
  const elapsed = paint("2", formatDuration(Date.now() - Math.min(started, Date.now())));
  if (job.status === "pending") {
    const retry =
      job.attempt && job.error_message ? ` (attempt ${job.attempt + 1} of ${job.max_retries + 1})` : "";
    return `${spinner} ${job.job_name}: waiting for a worker${retry}  ${elapsed}`;
  }
  const percent = Math.max(0, Math.min(100, job.progress?.percent ?? 0));
  const filled = Math.round((percent / 100) * BAR_WIDTH);
  const bar = paint("32", "█".repeat(filled)) + paint("2", "░".repeat(BAR_WIDTH - filled));
  const message = job.progress?.message ? `  ${job.progress.message}` : "";
  return `${spinner} ${bar} ${paint("1", `${String(percent).padStart(3)}%`)}${message}  ${elapsed}`;
}

/** Cuts a line to the terminal's width (escape codes take no columns), so it never wraps. */
function fitToWidth(text: string, columns: number): string {
  let visible = 0;
  let out = "";
  for (const part of text.split(/(\x1b\[[0-9;]*m)/)) {
    if (part.startsWith("\x1b[")) {
      out += part;
      continue;
    }
    const room = columns - 1 - visible;
    const chars = [...part];
    out += chars.slice(0, Math.max(0, room)).join("");
    visible += Math.min(chars.length, Math.max(0, room));
  }
  return text.includes("\x1b[") ? `${out}\x1b[0m` : out;
}

/**
 * Turns the job states seen into one line per failed attempt and per retry. A failed attempt shows
 * as a pending job with an error (waiting for its retry), or, when the retry began before it was
 * seen, as an attempt number that went up.
 */
class AttemptTracker {
  #failed = new Set<number>();
  #started = new Set<number>();
  #lastAttempt = 0;
  #lastError: string | null = null;

  notes(job: Job): string[] {
    const notes: string[] = [];
    const attempt = job.attempt ?? 0;
    const runs = job.max_retries + 1;
    const fail = (n: number, error: string | null, retry: string) => {
      if (this.#failed.has(n)) return;
      this.#failed.add(n);
      notes.push(`attempt ${n} of ${runs} failed${error ? `: ${error}` : ""}${retry}`);
    };
    if (attempt > this.#lastAttempt && this.#lastAttempt > 0) fail(this.#lastAttempt, this.#lastError, "");
    if (job.status === "pending" && job.error_message && attempt > 0) {
      const at = job.scheduled_at ? Date.parse(job.scheduled_at) : Number.NaN;
      const when = Number.isNaN(at)
        ? ""
        : ` at ${formatTime(job.scheduled_at)} (in ${formatDuration(Math.max(0, at - Date.now()))})`;
      fail(attempt, job.error_message, `; retrying${when}`);
    }
    if (job.status === "running" && attempt > 1 && !this.#started.has(attempt)) {
      this.#started.add(attempt);
      notes.push(`attempt ${attempt} of ${runs} started`);
    }
    if (attempt > 0) this.#lastAttempt = attempt;
    this.#lastError = job.error_message;
    return notes;
  }
}
