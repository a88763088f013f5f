/**
 * Warm mode: one process serves run after run of one function version and one permission set (see
 * ../README.md, "Warm processes"). Main isolate only: the host starts it through
 * `setpriv --pdeathsig KILL`, exactly like a single-run process.
 *
 * Per run the host sends a fresh nonce and a run message; the run gets its own frame writer, `job`,
 * clients, `secrets`, env values and cancel state, and when it ends its clients and secrets refuse
 * to work, `secrets` is removed and web storage is cleared before the last frame is written, so the
 * next run starts from the module's own state only. Anything the job's code keeps in module scope
 * persists, as in any warm runtime; `@fluxbase:isolation process` gives each run a process instead.
 *
 * The process ends after a run when continuing would not be clean: the job called Deno.exit(),
 * threw from a timer or an unawaited promise, or its module failed to load (so the next run imports
 * it afresh, as a new process would).
 */
import {
  type BootMessage,
  NONCE_LENGTH,
  parseBootMessage,
  parseRunMessage,
  type RunMessage,
} from "../protocol.ts";
import { captured as $ } from "./captured.ts";
import { installConsoleLevels } from "./consoleLevels.ts";
import { createFrameWriter } from "./frameWriter.ts";
import { startsWithNonce } from "./hostInput.ts";
import { hostLines } from "./hostLines.ts";
import { EXIT_HOST_GONE } from "./hostLink.ts";
import { runInputFrom } from "./messages.ts";
import { createReporter, type Reporter } from "./reporter.ts";
import { startJobRun } from "./runJobModule.ts";

const CANCEL_POLL_MS = 50;
/** Typed explicitly, so the compiler knows nothing runs after it. */
const exit: (code?: number) => never = $.exit;

function die(message: string): never {
  console.error(`[error] sandbox guest: ${message}`);
  exit(1);
}

const lines = hostLines();
const bootLine = await lines.next();
if (bootLine === null) exit(EXIT_HOST_GONE);
const parsedBoot = parseBootMessage(parseJson(bootLine));
if (typeof parsedBoot === "string") die(parsedBoot);
const boot: BootMessage = parsedBoot;
if (Deno.ppid !== boot.hostPid) exit(EXIT_HOST_GONE);

// Taken before any job code exists: the job may replace these globals and methods.
const { localStorage, sessionStorage } = globalThis;
const clearLocalStorage = localStorage.clear.bind(localStorage);
const clearSessionStorage = sessionStorage.clear.bind(sessionStorage);
const deleteGlobal = Reflect.deleteProperty;

interface ActiveRun {
  id: number;
  reporter: Reporter;
  cancel: () => void;
  /** End the process after this run's last frame. */
  exitAfter: boolean;
}
// Set and cleared from the run's callbacks, which the compiler does not follow.
let active = null as ActiveRun | null;
let moduleLoaded = false;

Deno.exit = ((code?: number) => {
  if (!active) exit(code);
  active.exitAfter = true;
  active.reporter.report({ t: "exit", code: code ?? 0 });
}) as typeof Deno.exit;
globalThis.close = () => Deno.exit(0);
const uncaught = (message: string, stack?: string) => {
  // Between runs nobody reads a frame; the process is no longer clean, so it goes.
  if (!active) exit(1);
  active.exitAfter = true;
  active.reporter.fail(`Uncaught error in job: ${message}`, stack);
};
globalThis.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  const error = event.reason instanceof Error ? event.reason : undefined;
  uncaught(error?.message ?? $.String(event.reason), error?.stack);
});
globalThis.addEventListener("error", (event) => {
  event.preventDefault();
  const error = event.error instanceof Error ? event.error : undefined;
  uncaught(error?.message ?? event.message, error?.stack);
});
installConsoleLevels();

function parseJson(bytes: Uint8Array): unknown {
  try {
    return $.parse($.decodeLine(bytes));
  } catch {
    return undefined;
  } finally {
    $.fillBytes(bytes, 0);
  }
}

function isNonceLine(bytes: Uint8Array): boolean {
  return $.byteLength(bytes) === NONCE_LENGTH && startsWithNonce(bytes);
}

function startRun(nonce: Uint8Array, message: RunMessage): void {
  const writer = createFrameWriter(nonce);
  let over = false;
  let cancelRequested = false;
  let nextPoll = 0;
  const isCancelRequested = () => {
    if (cancelRequested || over) return cancelRequested;
    const now = $.now();
    if (now < nextPoll) return false;
    nextPoll = now + CANCEL_POLL_MS;
    try {
      $.lstat(boot.cancelFile);
      cancelRequested = true;
    } catch {
      // Not cancelled (yet).
    }
    return cancelRequested;
  };
  const endRun = () => {
    over = true;
    active = null;
    deleteGlobal(globalThis, "secrets");
    try {
      clearLocalStorage();
      clearSessionStorage();
    } catch {
      // Web storage the next run could read: this process must not serve it.
      run.exitAfter = true;
    }
    writer.writeJsonToStderr('{"t":"end"}');
    if (run.exitAfter || !moduleLoaded) writer.writeJson('{"t":"exiting"}');
  };
  const reporter = createReporter(writer, endRun, (code) => {
    if (run.exitAfter || !moduleLoaded) exit(code);
  });
  const run: ActiveRun = { id: message.run, reporter, cancel: () => {}, exitAfter: false };
  active = run;
  const names = $.keys(message.env);
  for (let i = 0; i < names.length; i++) $.setEnv(names[i]!, message.env[names[i]!]!);
  run.cancel = startJobRun(
    runInputFrom({ ...message, codeUrl: boot.codeUrl }),
    isCancelRequested,
    (m) => {
      if (over) return;
      if (m.t === "ready") moduleLoaded = true;
      reporter.report(m);
    },
    () => over,
  );
}

while (true) {
  const line = await lines.next();
  if (line === null) exit(EXIT_HOST_GONE);
  if (isNonceLine(line)) {
    const runLine = await lines.next();
    if (runLine === null) exit(EXIT_HOST_GONE);
    const message = parseRunMessage(parseJson(runLine));
    if (typeof message === "string") die(message);
    if (active) die("a run message arrived while a run was active");
    startRun(line, message);
    continue;
  }
  const control = parseJson(line) as { t?: unknown; run?: unknown } | undefined;
  if (control?.t === "cancel" && active && control.run === active.id) active.cancel();
}
