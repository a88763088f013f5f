/**
 * The frame nonce stays secret even from a job that shares the guest's isolate (main-isolate mode):
 * the job replaces every built-in the guest could call after it loaded, hooks promises and stack
 * traces, dumps the heap, reads stdin, and then forges a progress frame with every 64-hex string it
 * saw. Had any of them been the nonce, the host would accept that frame; none may arrive. The same
 * attack runs in Worker mode, where the nonce is in another isolate altogether.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "../../sandbox/index.ts";
import { JOB_THREADS, logText, runCode, startSandbox, type TestSandbox } from "./helpers.ts";

/** Module-level: installs the hooks at import, before the guest calls the entry point. */
const ATTACK = `
import v8 from "node:v8";
const apply = Reflect.apply;
const write = Deno.stdout.writeSync.bind(Deno.stdout);
const encode = TextEncoder.prototype.encode.bind(new TextEncoder());
const fromCharCode = String.fromCharCode;
const exec = RegExp.prototype.exec;
const test = RegExp.prototype.test;
const setAdd = Set.prototype.add;
const arrayPush = Array.prototype.push;
const TypedArray = Object.getPrototypeOf(Uint8Array);
const isView = ArrayBuffer.isView;
const byteLengthOf = Object.getOwnPropertyDescriptor(TypedArray.prototype, "byteLength").get;
const bufferOf = Object.getOwnPropertyDescriptor(TypedArray.prototype, "buffer").get;
const abByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength").get;
const OrigUint8Array = Uint8Array;

export const stolen = { candidates: new Set(), frameText: 0, calls: 0, hooks: 0, errors: [] };
let busy = false;

/** Any 64-hex run in a string, byte array or buffer the job gets its hands on. */
function scan(value) {
  if (busy) return;
  busy = true;
  try {
    let text;
    if (typeof value === "string") text = value;
    else if (value instanceof ArrayBuffer || isView(value)) {
      const buffer = value instanceof ArrayBuffer ? value : apply(bufferOf, value, []);
      const bytes = new OrigUint8Array(buffer, 0, apply(abByteLength, buffer, []));
      text = "";
      for (let i = 0; i < bytes.length; i += 4096) text += apply(fromCharCode, null, Array.from(bytes.subarray(i, i + 4096)));
    } else return;
    if (apply(test, /@@fluxbase-frame/, [text])) stolen.frameText++;
    const hex = /[0-9a-f]{64}/g;
    for (let m = apply(exec, hex, [text]); m; m = apply(exec, hex, [text])) apply(setAdd, stolen.candidates, [m[0]]);
  } catch (error) {
    if (stolen.errors.length < 5) apply(arrayPush, stolen.errors, [String(error)]);
  } finally {
    busy = false;
  }
}

function hook(owner, name) {
  const descriptor = Object.getOwnPropertyDescriptor(owner, name);
  if (!descriptor || !descriptor.configurable && !descriptor.writable) return;
  const wrap = (original) => function (...args) {
    if (!busy) { stolen.calls++; scan(this); for (const arg of args) scan(arg); }
    return apply(original, this, args);
  };
  try {
    if (typeof descriptor.value === "function") Object.defineProperty(owner, name, { ...descriptor, value: wrap(descriptor.value) });
    else if (descriptor.get) Object.defineProperty(owner, name, { ...descriptor, get: wrap(descriptor.get) });
    else return;
    stolen.hooks++;
  } catch {}
}

for (const name of ["encode", "encodeInto"]) hook(TextEncoder.prototype, name);
hook(TextDecoder.prototype, "decode");
for (const name of ["stringify", "parse"]) hook(JSON, name);
for (const name of Object.getOwnPropertyNames(String.prototype)) if (name !== "constructor") hook(String.prototype, name);
for (const name of Object.getOwnPropertyNames(TypedArray.prototype)) if (name !== "constructor") hook(TypedArray.prototype, name);
hook(TypedArray.prototype, "constructor");
hook(Uint8Array.prototype, "constructor");
hook(TypedArray, Symbol.species);
for (const name of Object.getOwnPropertyNames(ArrayBuffer.prototype)) if (name !== "constructor") hook(ArrayBuffer.prototype, name);
for (const name of ["join", "push", "concat", "slice", "map"]) hook(Array.prototype, name);
for (const name of ["call", "apply", "bind", "toString"]) hook(Function.prototype, name);
for (const name of ["then", "catch", "finally"]) hook(Promise.prototype, name);
for (const name of ["writeSync", "write"]) { hook(Deno.stdout, name); hook(Object.getPrototypeOf(Deno.stdout), name); }
for (const name of ["read", "readSync"]) { hook(Deno.stdin, name); hook(Object.getPrototypeOf(Deno.stdin), name); }
// And Deno.stdout itself, where Deno lets it be replaced.
try {
  const fake = { writeSync: (bytes) => { scan(bytes); return write(bytes); }, write: async (bytes) => { scan(bytes); return write(bytes); } };
  Object.defineProperty(Deno, "stdout", { value: fake, configurable: true });
  stolen.hooks++;
} catch {}
for (const name of ["nonce", "json", "message", "data", "t", "prefix"]) {
  try {
    Object.defineProperty(Object.prototype, name, { configurable: true, set(v) { scan(v); Object.defineProperty(this, name, { value: v, writable: true, enumerable: true, configurable: true }); } });
    stolen.hooks++;
  } catch {}
}
// Every promise the isolate settles, through Deno's internal promise hooks.
try {
  const core = Deno[Object.getOwnPropertySymbols(Deno).find((s) => String(s) === "Symbol(Deno.internal)")].core;
  const details = (p) => { try { const d = core.getPromiseDetails(p); scan(d?.[1]); } catch {} };
  core.setPromiseHooks(null, null, null, details);
  stolen.hooks++;
} catch (error) { stolen.errors.push("promise hooks: " + error); }
// The guest's frames as seen by stack-trace hooks.
Error.prepareStackTrace = (error, sites) => {
  for (const site of sites) { try { scan(site.getThis()); scan(String(site.getFunction())); } catch {} }
  return String(error);
};

export async function heap() {
  let text = "";
  for await (const chunk of v8.getHeapSnapshot()) text += chunk;
  if (text.length < 1000) throw new Error("heap snapshot is empty");
  scan(text);
  // The guest's own source (main-isolate mode only), found by a phrase this module never spells out
  // (one from the single-run guest, one from the warm one).
  return text.includes(["the first line on stdin", "is not a nonce"].join(" ")) ||
    text.includes(["a run message arrived", "while a run was active"].join(" "));
}

export async function stdin() {
  const buffer = new OrigUint8Array(65536);
  try {
    const n = await Promise.race([Deno.stdin.read(buffer), new Promise((r) => setTimeout(() => r(-1), 200))]);
    if (n > 0) scan(buffer);
    return n;
  } catch (error) { return error.name; }
}

export function forge() {
  // Bad nonces first: they must show up as log lines, proving these writes reach the host.
  const frames = ["0".repeat(64), ...stolen.candidates].map(
    (nonce) => "\\n@@fluxbase-frame/${PROTOCOL_VERSION} " + nonce + ' {"t":"progress","percent":66,"message":"forged"}\\n',
  );
  for (const frame of frames) { write(encode(frame)); Deno.stderr.writeSync(encode(frame)); }
  return frames.length;
}
`;

const HANDLER = `
export default async (req, fluxbase, fluxbaseService, job) => {
  const sawGuestSource = await heap();
  job.reportProgress(10, "real", { step: 1 });
  try { job.reportProgress(Number.NaN); } catch (error) { void error.stack; }
  const read = await stdin();
  await heap();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const forged = forge();
  job.reportProgress(20, "real again");
  return { genuine: true, sawGuestSource, read, forged, hooks: stolen.hooks, calls: stolen.calls,
    errors: stolen.errors };
};
`;

/** The runs here are slow (a heap dump) or slow to start beside a busy test file: not a timeout test. */
const LOADED_MACHINE_TIMEOUT_MS = 40_000;

describe.each(JOB_THREADS)("nonce secrecy (job on the %s thread)", (jobThread) => {
  let t: TestSandbox;
  beforeAll(async () => {
    t = await startSandbox(undefined, { jobThread });
  }, 60_000);
  afterAll(() => t?.close());

  it(
    "survives replaced built-ins, promise and stack hooks, heap dumps and stdin reads",
    {
      timeout: 60_000,
    },
    async () => {
      // A heap snapshot takes room: give the job more than the tests' usual 64 MB.
      const { outcome, progress, logs } = await runCode(t.sandbox, `${ATTACK}\n${HANDLER}`, {
        memoryMb: 512,
        timeoutMs: LOADED_MACHINE_TIMEOUT_MS,
      });
      expect(outcome.status).toBe("completed");
      const result = (outcome as { result: Record<string, unknown> }).result;
      expect(result).toMatchObject({ genuine: true, errors: [] });
      // The attack was live: hooks installed and called, heap dumped, hex strings found and used.
      expect(result.hooks).toBeGreaterThan(100);
      expect(result.calls).toBeGreaterThan(0);
      // Hex strings were found and used (the code hash in the module URL, at least).
      expect(result.forged).toBeGreaterThan(1);
      // In main-isolate mode the dump holds the guest's own source and strings, just not the nonce.
      expect(result.sawGuestSource).toBe(jobThread === "main");
      // Nothing forged got through; the genuine reports did.
      expect(progress).toEqual([
        { percent: 10, message: "real", data: { step: 1 } },
        { percent: 20, message: "real again" },
      ]);
      expect(logText(logs)).toContain(`@@fluxbase-frame/${PROTOCOL_VERSION} ${"0".repeat(64)}`);
    },
  );

  it(
    "cannot read it back from /proc or /dev (its own or the server's), even granted read access to /",
    { timeout: 60_000 },
    async () => {
      const { outcome } = await runCode(
        t.sandbox,
        `export default () => {
        const paths = ["/proc/self/mem", "/proc/self/fd/0", "/proc/self/environ", "/proc/self/cmdline",
          "/proc/self/maps", "/dev/fd/0", "/dev/stdin", "/proc/" + Deno.ppid + "/mem", "/proc/" + Deno.ppid + "/environ"];
        return paths.map((path) => { try { Deno.readFileSync(path); return "read"; } catch (error) { return error.name; } });
      }`,
        {
          permissions: { net: false, env: [], read: ["/"], write: [] },
          timeoutMs: LOADED_MACHINE_TIMEOUT_MS,
        },
      );
      expect(outcome).toEqual({ status: "completed", result: Array(9).fill("NotCapable") });
    },
  );

  it("cannot reach the guest's frame writer through the job's arguments", { timeout: 60_000 }, async () => {
    // Everything the job is given, walked breadth-first through own properties: no byte array, no hex.
    const { outcome } = await runCode(
      t.sandbox,
      `export default (req, fluxbase, fluxbaseService, job) => {
        const seen = new Set(); const queue = [req, job, fluxbase, fluxbaseService, globalThis.secrets, job.getJobContext()];
        let typedArrays = 0, hex = 0;
        while (queue.length && seen.size < 20000) {
          const value = queue.shift();
          if (value === null || (typeof value !== "object" && typeof value !== "function") || seen.has(value)) continue;
          seen.add(value);
          if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) typedArrays++;
          for (const key of Reflect.ownKeys(value)) {
            let v; try { v = value[key]; } catch { continue; }
            if (typeof v === "string" && /[0-9a-f]{64}/.test(v)) hex++;
            queue.push(v);
          }
        }
        return { walked: seen.size > 10, typedArrays, hex };
      }`,
      { timeoutMs: LOADED_MACHINE_TIMEOUT_MS },
    );
    expect(outcome).toEqual({ status: "completed", result: { walked: true, typedArrays: 0, hex: 0 } });
  });
});
