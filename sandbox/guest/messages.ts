/**
 * Messages between the guest's supervising main thread and the Worker that runs the job. Internal to
 * the guest: the host never sees them (it sees frames, see ../protocol.ts).
 */
import type { GuestJobContext } from "../protocol.ts";

/** Main thread → job Worker. */
export type ToWorker =
  | {
      t: "start";
      codeUrl: string;
      serverUrl: string;
      context: GuestJobContext;
      userToken: string | null;
      serviceToken: string;
      secrets: { system: Record<string, string>; user: Record<string, string> };
      maxResultBytes: number;
      /** Epoch ms at which the host kills the run. */
      deadline: number;
      /** One Int32 set to 1 on cancel: readable from a job that never yields to the event loop. */
      cancelFlag: SharedArrayBuffer;
    }
  | { t: "cancel" };

/** Job Worker → main thread. The job can post these itself; the main thread validates them. */
export type FromWorker =
  | { t: "ready" }
  | { t: "progress"; percent: number; message?: string; data?: unknown }
  | { t: "result"; json: string }
  | { t: "error"; message: string; stack?: string }
  | { t: "exit"; code: number };
