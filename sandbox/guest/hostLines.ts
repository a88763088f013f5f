/**
 * Warm mode's stdin reader: newline-delimited lines as bytes. A process serves many runs and each
 * brings its own nonce, so nonce lines arrive at any point of the stream and must never become JS
 * strings (see ../protocol.ts). Every line is copied into a buffer of its own, which the caller wipes
 * once used, and the bytes it occupied in the read buffer are zeroed at once. Uses captured built-ins
 * only: it keeps reading after the job's code has loaded.
 */
import { captured as $ } from "./captured.ts";

const CHUNK_BYTES = 64 * 1024;

export interface HostLines {
  /** The next line without its newline, or null when stdin closed (the host is gone). */
  next(): Promise<Uint8Array | null>;
}

export function hostLines(): HostLines {
  // Sizes are kept here, never read back through getters a job could have replaced.
  let capacity = CHUNK_BYTES;
  let buffer = new $.ArrayBuffer(capacity);
  let bytes = new $.Uint8Array(buffer);
  let start = 0;
  let end = 0;
  let scanFrom = 0;

  const take = (newline: number): Uint8Array => {
    const line = new $.Uint8Array(newline - start);
    $.setBytes(line, new $.Uint8Array(buffer, start, newline - start), 0);
    $.fillBytes(bytes, 0, start, newline + 1);
    start = newline + 1;
    scanFrom = start;
    if (start === end) start = end = scanFrom = 0;
    return line;
  };

  /** Room for the next read: move pending bytes to the front, or grow for a long line. */
  const makeRoom = () => {
    if (end < capacity) return;
    if (start > 0) {
      $.setBytes(bytes, new $.Uint8Array(buffer, start, end - start), 0);
      $.fillBytes(bytes, 0, end - start, end);
      end -= start;
      scanFrom -= start;
      start = 0;
      return;
    }
    capacity *= 2;
    const grown = new $.ArrayBuffer(capacity);
    const grownBytes = new $.Uint8Array(grown);
    $.setBytes(grownBytes, bytes, 0);
    $.fillBytes(bytes, 0);
    buffer = grown;
    bytes = grownBytes;
  };

  return {
    async next() {
      while (true) {
        for (let i = scanFrom; i < end; i++) if (bytes[i] === 10) return take(i);
        scanFrom = end;
        makeRoom();
        const n = await $.readStdin(new $.Uint8Array(buffer, end, capacity - end));
        if (n === null) {
          $.fillBytes(bytes, 0);
          return null;
        }
        end += n;
      }
    },
  };
}
