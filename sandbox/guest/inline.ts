/**
 * Main-isolate mode: the job runs on this thread, in this isolate, next to the frame writer. It saves
 * the ~15 ms of CPU a Worker costs per run, and is only used when the host starts Deno through
 * `setpriv --pdeathsig KILL`, so the kernel kills a run whose host died even while the job spins in
 * `while (true) {}` (which no code of ours could then notice).
 *
 * Order matters. Everything the guest calls after the job's code loads is captured first
 * (captured.ts, imported before anything else); the nonce is read as bytes and kept only in the
 * frame writer (frameWriter.ts); the stdin loop takes its iterator; and only then is the job module
 * imported. What the job receives (`job`, the clients, `secrets`) holds no reference to the nonce.
 */
import { captured as $ } from "./captured.ts";
import { installConsoleLevels } from "./consoleLevels.ts";
import { connectToHost, followHost } from "./hostLink.ts";
import { runInputFrom } from "./messages.ts";
import { createReporter } from "./reporter.ts";
import { startJobRun } from "./runJobModule.ts";

/** How often a job polling `checkCancellation()` in a busy loop looks for the host's cancel file. */
const CANCEL_POLL_MS = 50;

const { writer, init, lines } = await connectToHost();
const reporter = createReporter(writer);

// A job that calls Deno.exit() (process.exit() ends up there too) or close() fails instead of
// ending the run without a result.
Deno.exit = ((code?: number) => reporter.report({ t: "exit", code: code ?? 0 })) as typeof Deno.exit;
globalThis.close = () => reporter.report({ t: "exit", code: 0 });
// Errors the job's code did not catch: a rejected promise nobody awaited, a throw in a timer.
globalThis.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  const error = event.reason instanceof Error ? event.reason : undefined;
  reporter.fail(`Uncaught error in job: ${error?.message ?? $.String(event.reason)}`, error?.stack);
});
globalThis.addEventListener("error", (event) => {
  event.preventDefault();
  const error = event.error instanceof Error ? event.error : undefined;
  reporter.fail(`Uncaught error in job: ${error?.message ?? event.message}`, error?.stack);
});
installConsoleLevels();

let cancelRequested = false;
let nextPoll = 0;
const cancelFile = init.cancelFile;
/** Stdin delivers the request to a job that awaits; a job that never yields finds the file. */
function isCancelRequested(): boolean {
  if (cancelRequested || cancelFile === null) return cancelRequested;
  const now = $.now();
  if (now < nextPoll) return false;
  nextPoll = now + CANCEL_POLL_MS;
  try {
    $.lstat(cancelFile);
    cancelRequested = true;
  } catch {
    // Not cancelled (yet).
  }
  return cancelRequested;
}

let onCancel = () => {};
void followHost(lines, () => {
  cancelRequested = true;
  onCancel();
});
onCancel = startJobRun(runInputFrom(init), isCancelRequested, reporter.report);
