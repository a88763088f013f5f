/**
 * Writes authenticated frames to stdout. The nonce lives only in `prefix`, a byte array no job code
 * can reach: a job sharing this isolate can dump every JS string (node:v8 getHeapSnapshot) but not
 * the contents of typed arrays. Each frame is assembled in a fresh buffer and written with captured
 * built-ins (see captured.ts), so no function a job installed ever sees a frame's bytes.
 */
import { FRAME_TAG, NONCE_LENGTH } from "../protocol.ts";
import { captured as $ } from "./captured.ts";

export interface FrameWriter {
  /** Writes one frame whose body is `json`: JSON from the captured JSON.stringify (no raw newline). */
  writeJson(json: string): void;
  /**
   * The same authenticated line on stderr (warm mode's end-of-run marker): everything the run wrote
   * to stderr before it is ahead of it in the pipe, so the host knows when the run's output is all in.
   */
  writeJsonToStderr(json: string): void;
}

/** Takes the nonce's bytes and wipes the caller's copy. */
export function createFrameWriter(nonce: Uint8Array): FrameWriter {
  const tag = $.encode(FRAME_TAG);
  const tagLength = $.byteLength(tag);
  // "\n" tag " " nonce " "
  const prefixLength = tagLength + NONCE_LENGTH + 3;
  const prefix = new $.Uint8Array(prefixLength);
  prefix[0] = 10;
  $.setBytes(prefix, tag, 1);
  prefix[tagLength + 1] = 32;
  $.setBytes(prefix, nonce, tagLength + 2);
  prefix[prefixLength - 1] = 32;
  $.fillBytes(nonce, 0);

  const write = (json: string, out: (bytes: Uint8Array) => number) => {
    const body = $.encode(json);
    const total = prefixLength + $.byteLength(body) + 1;
    const buffer = new $.ArrayBuffer(total);
    const frame = new $.Uint8Array(buffer);
    $.setBytes(frame, prefix, 0);
    $.setBytes(frame, body, prefixLength);
    frame[total - 1] = 10;
    // One write in practice (stdout is a blocking pipe); a short write only continues the same line.
    let offset = out(frame);
    while (offset < total) offset += out(new $.Uint8Array(buffer, offset));
    $.fillBytes(frame, 0, 0, prefixLength);
  };
  return {
    writeJson: (json) => write(json, $.writeStdout),
    writeJsonToStderr: (json) => write(json, $.writeStderr),
  };
}
