/**
 * The wire format between the sandbox host (Node) and the guest (Deno). Shared by both sides, so it
 * imports nothing: no Node, no Deno APIs.
 *
 * Host → guest, on the child's stdin: first the per-run nonce alone on a line (64 hex characters),
 * then one JSON document per line: an `InitMessage` (the job's input), then control messages such as
 * `{"t":"cancel"}`. Only the host holds the write end of that pipe, so these need no authentication.
 *
 * Guest → host, on the child's stdout, interleaved with whatever the job prints there:
 *
 *     "\n" + FRAME_TAG + " " + nonce + " " + JSON(GuestFrame) + "\n"
 *
 * Why stdout and not a dedicated fd: Deno treats /dev/fd/N and /proc/self/fd/N as privileged (they
 * need --allow-all), so the guest cannot open an extra pipe without handing the same power to the
 * job. Instead a frame is trusted only when its line starts with the tag followed by the nonce. The
 * nonce is 256 random bits sent on stdin and consumed by the guest before any job code is loaded; the
 * job cannot read it back (stdin is consumed, /proc is off limits). The guest keeps it as bytes, never
 * as a JS string, because a job sharing its isolate can dump the heap's strings (node:v8
 * getHeapSnapshot) but not the contents of typed arrays. So anything the job prints, on any stream,
 * is at most a log line. The leading "\n" ends any partial line the job left on stdout, so a frame
 * always starts a line; the host drops blank lines.
 */

/** Bumped on any incompatible change; the guest refuses an init message of another version. */
export const PROTOCOL_VERSION = 2;

/** Starts every frame line, followed by a space, the nonce and a space. */
export const FRAME_TAG = `@@fluxbase-frame/${PROTOCOL_VERSION}`;

/** Nonces are 64 lowercase hex characters (32 random bytes). */
export const NONCE_LENGTH = 64;

/** The identity and input of one job run, as the job sees it through `job.getJobContext()`. */
export interface GuestJobContext {
  job_id: string;
  job_name: string;
  namespace: string;
  retry_count: number;
  payload: unknown;
  user: { id: string; email: string | null; role: string } | null;
}

/** Second line on stdin, after the nonce. Everything the run needs that is not code or environment. */
export interface InitMessage {
  t: "init";
  v: number;
  /** file: URL of the job's ESM bundle; the guest imports it where the job runs (main isolate or Worker). */
  codeUrl: string;
  serverUrl: string;
  context: GuestJobContext;
  userToken: string | null;
  serviceToken: string;
  secrets: { system: Record<string, string>; user: Record<string, string> };
  /** The guest fails the job instead of sending a larger result. */
  maxResultBytes: number;
  /** When the host kills the run (epoch ms, same clock); the guest aborts `job.signal` just before. */
  deadline: number;
  /**
   * The pid of the host's spawner, the guest's parent. A guest whose parent is another process was
   * orphaned before its parent-death signal was armed (which then never fires), and exits at once.
   */
  hostPid: number;
  /**
   * A file the host creates on cancel, so a job that never yields to the event loop still sees the
   * request through `job.checkCancellation()` (main-isolate mode; null in Worker mode).
   */
  cancelFile: string | null;
}

export type HostMessage = InitMessage | { t: "cancel"; run?: number };

/**
 * Warm mode (one process serves many runs of one function version, see README "Warm processes").
 * First line on stdin: the boot message, which carries nothing secret. Then, per run, the run's own
 * nonce alone on a line followed by a `RunMessage`; cancel requests name the run they are for.
 */
export interface BootMessage {
  t: "boot";
  v: number;
  codeUrl: string;
  hostPid: number;
  /** Created by the host on cancel and removed when the run ends; the same path for every run. */
  cancelFile: string;
}

export interface RunMessage
  extends Pick<
    InitMessage,
    "serverUrl" | "context" | "userToken" | "serviceToken" | "secrets" | "maxResultBytes" | "deadline"
  > {
  t: "run";
  /** Counts the process's runs from 1; cancel requests for an earlier run are ignored. */
  run: number;
  /** The run's own FLUXBASE_JOB_* variables (the process was started with another run's). */
  env: Record<string, string>;
}

export type GuestFrame =
  /** The job module is loaded and its entry point is about to be called. */
  | { t: "ready" }
  | { t: "progress"; percent: number; message?: string; data?: unknown }
  | { t: "result"; value: unknown }
  | { t: "error"; message: string; stack?: string }
  /** Warm mode: this process ends after the frame that follows; it serves no further run. */
  | { t: "exiting" }
  /** Warm mode, on stderr: the run's stderr output is complete. */
  | { t: "end" };

export const MAX_PROGRESS_MESSAGE = 2_000;
export const MAX_PROGRESS_DATA_BYTES = 64 * 1024;

/** The first two stdin lines of a run: the nonce on its own, then the init message. */
export function encodeHandshake(nonce: string, init: InitMessage): string {
  return `${nonce}\n${JSON.stringify(init)}\n`;
}

export function encodeHostMessage(message: HostMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/** The text a frame line starts with, for one nonce. */
export function framePrefix(nonce: string): string {
  return `${FRAME_TAG} ${nonce} `;
}

/** Checks the shape of a decoded frame body; returns an error message for anything unexpected. */
export function parseGuestFrame(value: unknown): GuestFrame | string {
  if (typeof value !== "object" || value === null) return "frame is not an object";
  const frame = value as Record<string, unknown>;
  switch (frame.t) {
    case "ready":
      return { t: "ready" };
    case "exiting":
      return { t: "exiting" };
    case "end":
      return { t: "end" };
    case "result":
      return "value" in frame ? { t: "result", value: frame.value } : "result frame without value";
    case "progress": {
      const { percent, message, data } = frame;
      if (typeof percent !== "number" || !Number.isFinite(percent)) return "progress percent is not a number";
      if (message !== undefined && typeof message !== "string") return "progress message is not a string";
      return { t: "progress", percent: Math.min(100, Math.max(0, percent)), message, data };
    }
    case "error": {
      const { message, stack } = frame;
      if (typeof message !== "string") return "error frame without message";
      return { t: "error", message, stack: typeof stack === "string" ? stack : undefined };
    }
    default:
      return `unknown frame type ${JSON.stringify(frame.t)}`;
  }
}

/** Checks the first stdin line on the guest side; returns an error message when unusable. */
export function parseInitMessage(value: unknown): InitMessage | string {
  if (typeof value !== "object" || value === null) return "init message is not an object";
  const init = value as Partial<InitMessage>;
  if (init.t !== "init") return "first message is not an init message";
  if (init.v !== PROTOCOL_VERSION) return `protocol version ${init.v} is not ${PROTOCOL_VERSION}`;
  if (typeof init.codeUrl !== "string" || typeof init.serverUrl !== "string") return "init URLs are missing";
  if (typeof init.context !== "object" || init.context === null) return "init context is missing";
  if (typeof init.maxResultBytes !== "number" || typeof init.deadline !== "number")
    return "init limits are missing";
  if (typeof init.hostPid !== "number") return "init host pid is missing";
  if (init.cancelFile !== null && typeof init.cancelFile !== "string") return "init cancel file is malformed";
  return init as InitMessage;
}

export function parseBootMessage(value: unknown): BootMessage | string {
  if (typeof value !== "object" || value === null) return "boot message is not an object";
  const boot = value as Partial<BootMessage>;
  if (boot.t !== "boot") return "first message is not a boot message";
  if (boot.v !== PROTOCOL_VERSION) return `protocol version ${boot.v} is not ${PROTOCOL_VERSION}`;
  if (typeof boot.codeUrl !== "string" || typeof boot.cancelFile !== "string")
    return "boot paths are missing";
  if (typeof boot.hostPid !== "number") return "boot host pid is missing";
  return boot as BootMessage;
}

export function parseRunMessage(value: unknown): RunMessage | string {
  if (typeof value !== "object" || value === null) return "run message is not an object";
  const run = value as Partial<RunMessage>;
  if (run.t !== "run" || typeof run.run !== "number") return "message after a nonce is not a run message";
  if (typeof run.serverUrl !== "string") return "run server URL is missing";
  if (typeof run.context !== "object" || run.context === null) return "run context is missing";
  if (typeof run.maxResultBytes !== "number" || typeof run.deadline !== "number")
    return "run limits are missing";
  if (typeof run.env !== "object" || run.env === null) return "run env is missing";
  return run as RunMessage;
}
