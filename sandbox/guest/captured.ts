/**
 * The built-ins the guest still calls after a job's code has loaded, taken before it loads. In the
 * main-isolate mode the job shares this isolate and may replace any global or prototype method
 * (JSON.stringify, TextEncoder.prototype.encode, Uint8Array.prototype.set, Deno.stdout, ...); the
 * frame path must never call into what it installed. Nothing is looked up at call time: methods are
 * bound or uncurried here, typed arrays are made with the captured constructors (no species lookup),
 * and Deno's own internals behind these (webidl converters, ops) are frozen by Deno.
 *
 * Importing this module first is what makes the capture happen early: every guest module that calls
 * a built-in after the job loaded takes it from here.
 */

const call = Function.prototype.call;
/** `uncurry(Proto.method)(self, ...args)` = `self.method(...args)` as it was when captured. */
function uncurry<T, A extends unknown[], R>(method: (this: T, ...args: A) => R): (self: T, ...args: A) => R {
  return call.bind(method) as (self: T, ...args: A) => R;
}

const encoder = new TextEncoder();
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
const byteLengthGetter = Object.getOwnPropertyDescriptor(typedArrayPrototype, "byteLength")!.get!;
const decode = TextDecoder.prototype.decode.bind(new TextDecoder());
const decodeWhole = TextDecoder.prototype.decode.bind(new TextDecoder());

export const captured = Object.freeze({
  Uint8Array,
  ArrayBuffer,
  stringify: JSON.stringify as (value: unknown) => string | undefined,
  parse: JSON.parse as (text: string) => unknown,
  encode: encoder.encode.bind(encoder) as (text: string) => Uint8Array,
  /** Streaming UTF-8 decoding of stdin (one decoder, one stream). */
  decodeStream: (bytes: Uint8Array): string => decode(bytes, { stream: true }),
  /** One complete line (warm mode's reader), with a decoder of its own. */
  decodeLine: (bytes: Uint8Array): string => decodeWhole(bytes),
  byteLength: uncurry(byteLengthGetter as (this: Uint8Array) => number),
  setBytes: uncurry(
    Uint8Array.prototype.set as (this: Uint8Array, source: Uint8Array, offset: number) => void,
  ),
  fillBytes: uncurry(
    Uint8Array.prototype.fill as (
      this: Uint8Array,
      value: number,
      start?: number,
      end?: number,
    ) => Uint8Array,
  ),
  indexOf: uncurry(String.prototype.indexOf as (this: string, search: string, from?: number) => number),
  slice: uncurry(String.prototype.slice as (this: string, start?: number, end?: number) => string),
  writeStdout: Deno.stdout.writeSync.bind(Deno.stdout),
  writeStderr: Deno.stderr.writeSync.bind(Deno.stderr),
  readStdin: Deno.stdin.read.bind(Deno.stdin),
  lstat: Deno.lstatSync,
  exit: Deno.exit,
  setEnv: Deno.env.set.bind(Deno.env),
  now: Date.now,
  isFinite: Number.isFinite,
  keys: Object.keys,
  min: Math.min,
  max: Math.max,
  String,
});
