/**
 * What a job run reports to the part of the guest that writes frames, and (in Worker mode) what the
 * supervising main thread sends to the job's Worker. Internal to the guest: the host never sees these
 * (it sees frames, see ../protocol.ts).
 */
import type { InitMessage } from "../protocol.ts";

/** Everything a job run needs from the init message. */
export type RunInput = Pick<
  InitMessage,
  "codeUrl" | "serverUrl" | "context" | "userToken" | "serviceToken" | "maxResultBytes" | "deadline"
> & { secrets: NonNullable<InitMessage["secrets"]> };

/** The run's part of the init message (what the inline, Worker and warm runners receive). */
export function runInputFrom(init: Omit<RunInput, "secrets"> & Pick<InitMessage, "secrets">): RunInput {
  return {
    codeUrl: init.codeUrl,
    serverUrl: init.serverUrl,
    context: init.context,
    userToken: init.userToken,
    serviceToken: init.serviceToken,
    secrets: init.secrets ?? { system: {}, user: {} },
    maxResultBytes: init.maxResultBytes,
    deadline: init.deadline,
  };
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
