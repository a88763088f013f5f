/**
 * Worker mode, the fallback where the kernel cannot kill an orphaned run (no setpriv, not Linux):
 * this main thread supervises one job run. It does the handshake, starts the job in a Web Worker,
 * turns the Worker's messages into frames, relays cancel requests, and exits when stdin closes.
 *
 * Why a Worker: the job may block its thread forever (`while (true) {}`). This thread stays free to
 * notice that the host died (stdin EOF) and end the process, and the nonce never enters the job's
 * isolate. Costs about 15 ms of CPU per run over main-isolate mode (see ../README.md).
 */
import { captured as $ } from "./captured.ts";
import { connectToHost, followHost } from "./hostLink.ts";
import { type JobMessage, runInputFrom, type ToWorker } from "./messages.ts";
import { createReporter } from "./reporter.ts";

const { writer, init, lines } = await connectToHost();
const cancelFlag = new SharedArrayBuffer(4);
const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "job" });
// Stop the job before the last frame: output it still writes from timers could interleave with a
// frame larger than a pipe's atomic write size.
const reporter = createReporter(writer, () => worker.terminate());

worker.onmessage = (event: MessageEvent<JobMessage>) => reporter.report(event.data);
// An error the job's code did not catch (a rejected promise nobody awaited, a throw in a timer).
worker.onerror = (event: ErrorEvent) => {
  event.preventDefault();
  const error = event.error instanceof Error ? event.error : undefined;
  reporter.fail(`Uncaught error in job: ${error?.message ?? event.message}`, error?.stack);
};

const start: ToWorker = {
  t: "start",
  ...runInputFrom(init),
  cancelFlag,
};
worker.postMessage(start);

await followHost(lines, () => {
  Atomics.store(new Int32Array(cancelFlag), 0, 1);
  worker.postMessage({ t: "cancel" } satisfies ToWorker);
});
$.exit(0);
