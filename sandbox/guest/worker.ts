/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * Worker mode's job Worker: the isolate the job's code runs in. It runs the job (runJobModule.ts) and
 * posts what it reports to the main thread, which alone can write frames.
 */
import { captured as $ } from "./captured.ts";
import { installConsoleLevels } from "./consoleLevels.ts";
import type { JobMessage, ToWorker } from "./messages.ts";
import { startJobRun } from "./runJobModule.ts";

const post = (message: JobMessage) => self.postMessage(message);
let onCancel = () => {};

// A job that calls Deno.exit() or close() would otherwise end this Worker silently and leave the
// main thread waiting for a result until the host's timeout.
Deno.exit = ((code?: number) => {
  post({ t: "exit", code: code ?? 0 });
  $.exit(code);
}) as typeof Deno.exit;
const realClose = self.close.bind(self);
self.close = () => {
  post({ t: "exit", code: 0 });
  realClose();
};

installConsoleLevels();

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.t === "cancel") return onCancel();
  if (message.t === "start") {
    const flag = new Int32Array(message.cancelFlag);
    onCancel = startJobRun(message, () => Atomics.load(flag, 0) === 1, post);
  }
};
