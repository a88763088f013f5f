/**
 * The guest's main thread: the supervisor of one job run. It reads the init message (with the
 * frame nonce) from stdin, starts the job in a Web Worker, turns the Worker's messages into
 * authenticated frames on stdout, relays cancel requests, and exits when stdin closes.
 *
 * Why a Worker: the job may block its thread forever (`while (true) {}`). This thread stays free to
 * notice that the host died (stdin EOF) and end the process, and the nonce never enters the job's
 * isolate, so the job cannot forge frames.
 */
import {
  encodeFrame,
  encodeResultFrame,
  type GuestFrame,
  MAX_PROGRESS_MESSAGE,
  parseInitMessage,
} from "../protocol.ts";
import type { FromWorker, ToWorker } from "./messages.ts";
import { stdinLines } from "./stdinLines.ts";

const encoder = new TextEncoder();

/** Exit status when the host went away; nobody reads it, but it is distinct in a core dump or ps. */
const EXIT_HOST_GONE = 70;

function writeAll(text: string): void {
  const bytes = encoder.encode(text);
  let offset = 0;
  while (offset < bytes.length) offset += Deno.stdout.writeSync(bytes.subarray(offset));
}

/** Last words before an init message exists: there is no nonce yet, so this can only be a log line. */
function die(message: string): never {
  console.error(`[error] sandbox guest: ${message}`);
  Deno.exit(1);
}

const lines = stdinLines();
const first = await lines.next();
if (first.done) Deno.exit(EXIT_HOST_GONE);

let parsed: unknown;
try {
  parsed = JSON.parse(first.value);
} catch {
  die("init message is not JSON");
}
const init = parseInitMessage(parsed);
if (typeof init === "string") die(init);

const nonce = init.nonce;
const send = (frame: GuestFrame) => writeAll(encodeFrame(nonce, frame));
let finished = false;

const cancelFlag = new SharedArrayBuffer(4);
const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "job" });

/** Sends the run's last frame and ends the process; later messages from the job are ignored. */
function finish(text: string, code: number): void {
  if (finished) return;
  finished = true;
  // Stop the job first: output it still writes from timers could interleave with a frame larger
  // than a pipe's atomic write size.
  worker.terminate();
  writeAll(text);
  Deno.exit(code);
}

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  if (finished || typeof message !== "object" || message === null) return;
  switch (message.t) {
    case "ready":
      return send({ t: "ready" });
    case "progress":
      if (typeof message.percent !== "number" || !Number.isFinite(message.percent)) return;
      return send({
        t: "progress",
        percent: Math.min(100, Math.max(0, message.percent)),
        message:
          typeof message.message === "string" ? message.message.slice(0, MAX_PROGRESS_MESSAGE) : undefined,
        data: message.data,
      });
    case "result":
      // JSON.stringify output has no raw newline; one here would let a job split the frame line.
      if (typeof message.json !== "string" || message.json.includes("\n")) return;
      return finish(encodeResultFrame(nonce, message.json), 0);
    case "error":
      return finish(
        encodeFrame(nonce, { t: "error", message: String(message.message), stack: message.stack }),
        1,
      );
    case "exit":
      return finish(
        encodeFrame(nonce, { t: "error", message: `Job called Deno.exit(${message.code}) before returning` }),
        1,
      );
  }
};

// An error the job's code did not catch (a rejected promise nobody awaited, a throw in a timer).
worker.onerror = (event: ErrorEvent) => {
  event.preventDefault();
  const error = event.error instanceof Error ? event.error : undefined;
  finish(
    encodeFrame(nonce, {
      t: "error",
      message: `Uncaught error in job: ${error?.message ?? event.message}`,
      stack: error?.stack,
    }),
    1,
  );
};

const start: ToWorker = {
  t: "start",
  codeUrl: init.codeUrl,
  serverUrl: init.serverUrl,
  context: init.context,
  userToken: init.userToken,
  serviceToken: init.serviceToken,
  secrets: init.secrets ?? { system: {}, user: {} },
  maxResultBytes: init.maxResultBytes,
  deadline: init.deadline,
  cancelFlag,
};
worker.postMessage(start);

for await (const line of lines) {
  let message: unknown;
  try {
    message = JSON.parse(line);
  } catch {
    continue;
  }
  if ((message as { t?: unknown })?.t === "cancel") {
    Atomics.store(new Int32Array(cancelFlag), 0, 1);
    worker.postMessage({ t: "cancel" } satisfies ToWorker);
  }
}
// stdin closed: the host is gone (or gave up on us). Nobody will read a result; stop now.
Deno.exit(EXIT_HOST_GONE);
