/**
 * The guest's side of stdin, shared by both modes: the handshake (nonce, then init message) before
 * any job code exists, and afterwards the stream of control messages and the end of input.
 */
import { type InitMessage, parseInitMessage } from "../protocol.ts";
import { captured as $ } from "./captured.ts";
import { createFrameWriter, type FrameWriter } from "./frameWriter.ts";
import { readHostInput } from "./hostInput.ts";

/** Exit status when the host went away; nobody reads it, but it is distinct in a core dump or ps. */
export const EXIT_HOST_GONE = 70;

/** Last words before the handshake is done: there is no frame writer yet, so only a log line. */
function die(message: string): never {
  console.error(`[error] sandbox guest: ${message}`);
  Deno.exit(1);
}

export interface HostLink {
  writer: FrameWriter;
  init: InitMessage;
  /** The control messages that follow; ends when the host is gone. */
  lines: AsyncGenerator<string>;
}

export async function connectToHost(): Promise<HostLink> {
  const input = await readHostInput();
  if (input === null) Deno.exit(EXIT_HOST_GONE);
  if (input.nonce === null) die("the first line on stdin is not a nonce");
  const writer = createFrameWriter(input.nonce);
  const first = await input.lines.next();
  if (first.done) Deno.exit(EXIT_HOST_GONE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(first.value);
  } catch {
    die("init message is not JSON");
  }
  const init = parseInitMessage(parsed);
  if (typeof init === "string") die(init);
  // Orphaned before the parent-death signal was armed (the host died between fork and exec): the
  // kernel will never deliver it, so leave now.
  if (Deno.ppid !== init.hostPid) Deno.exit(EXIT_HOST_GONE);
  return { writer, init, lines: input.lines };
}

/**
 * Follows stdin until it closes, calling `onCancel` for each cancel request, then ends the process:
 * the host is gone (or gave up on this run) and nobody will read a result. Must start before the
 * job's code loads: the loop takes its iterator now, not after a job could have patched it.
 */
export async function followHost(lines: AsyncGenerator<string>, onCancel: () => void): Promise<void> {
  for await (const line of lines) {
    let message: unknown;
    try {
      message = $.parse(line);
    } catch {
      continue;
    }
    if (typeof message === "object" && message !== null && (message as { t?: unknown }).t === "cancel")
      onCancel();
  }
  $.exit(EXIT_HOST_GONE);
}
