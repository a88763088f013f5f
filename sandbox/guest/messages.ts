/**
 * What a job run reports to the part of the guest that writes frames, and (in Worker mode) what the
 * supervising main thread sends to the job's Worker. Internal to the guest: the host never sees these
 * (it sees frames, see ../protocol.ts).
 */
import type { GuestJobContext } from "../protocol.ts";

/** Everything a job run needs from the init message. */
export interface RunInput {
  codeUrl: string;
  serverUrl: string;
  context: GuestJobContext;
  userToken: string | null;
  serviceToken: string;
  secrets: { system: Record<string, string>; user: Record<string, string> };
  maxResultBytes: number;
  /** Epoch ms at which the host kills the run. */
  deadline: number;
}

/** Main thread → job Worker (Worker mode only). */
export type ToWorker =
  | (RunInput & {
      t: "start";
      /** One Int32 set to 1 on cancel: readable from a job that never yields to the event loop. */
      cancelFlag: SharedArrayBuffer;
    })
  | { t: "cancel" };

/**
 * Job run → frame writer: a direct call in main-isolate mode, a message from the Worker in Worker
 * mode. Either way the job can produce these itself, so the receiver validates them.
 */
export type JobMessage =
  | { t: "ready" }
  | { t: "progress"; percent: number; message?: string; data?: unknown }
  | { t: "result"; json: string }
  | { t: "error"; message: string; stack?: string }
  | { t: "exit"; code: number };
