/**
 * Reads what the host sends on stdin: the nonce line as raw bytes (it never becomes a JS string, see
 * ../protocol.ts), then newline-delimited text. End of input means the host is gone (stdin closes
 * even when the host is killed with SIGKILL).
 *
 * The nonce is read before any job code exists, and the buffer that held it is wiped. Later reads use
 * captured built-ins and a buffer that never held the nonce, so a job that patches TextDecoder, String
 * or Uint8Array methods, or reads stdin itself, gets at most the control messages that follow.
 */
import { NONCE_LENGTH } from "../protocol.ts";
import { captured as $ } from "./captured.ts";

const CHUNK_BYTES = 64 * 1024;

export interface HostInput {
  /** The nonce's 64 ASCII hex digits, or null when the first line is not a nonce. */
  nonce: Uint8Array | null;
  /** Every later line: the init message, then control messages; ends when stdin closes. */
  lines: AsyncGenerator<string>;
}

/** Null when stdin closed before a whole nonce line arrived. */
export async function readHostInput(): Promise<HostInput | null> {
  const firstBuffer = new $.ArrayBuffer(CHUNK_BYTES);
  const first = new $.Uint8Array(firstBuffer);
  let filled = 0;
  while (filled <= NONCE_LENGTH) {
    const n = await $.readStdin(new $.Uint8Array(firstBuffer, filled));
    if (n === null) {
      $.fillBytes(first, 0);
      return null;
    }
    filled += n;
  }
  let nonce: Uint8Array | null = new $.Uint8Array(NONCE_LENGTH);
  $.setBytes(nonce, new $.Uint8Array(firstBuffer, 0, NONCE_LENGTH), 0);
  if (!startsWithNonce(first) || first[NONCE_LENGTH] !== 10) {
    $.fillBytes(nonce, 0);
    nonce = null;
  }
  const rest = $.decodeStream(new $.Uint8Array(firstBuffer, NONCE_LENGTH + 1, filled - NONCE_LENGTH - 1));
  $.fillBytes(first, 0);
  return { nonce, lines: lines(rest) };
}

/** The first 64 bytes are lowercase hex digits, checked byte by byte (never made a string). */
export function startsWithNonce(bytes: Uint8Array): boolean {
  for (let i = 0; i < NONCE_LENGTH; i++) {
    const c = bytes[i]!;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

async function* lines(pending: string): AsyncGenerator<string> {
  const buffer = new $.ArrayBuffer(CHUNK_BYTES);
  // Only new text can hold a newline: a large init line must not be rescanned per chunk.
  let searchFrom = 0;
  while (true) {
    let newline = $.indexOf(pending, "\n", searchFrom);
    while (newline !== -1) {
      yield $.slice(pending, 0, newline);
      pending = $.slice(pending, newline + 1);
      newline = $.indexOf(pending, "\n");
    }
    searchFrom = pending.length;
    const n = await $.readStdin(new $.Uint8Array(buffer));
    if (n === null) return;
    pending += $.decodeStream(new $.Uint8Array(buffer, 0, n));
  }
}
