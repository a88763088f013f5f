/**
 * What a job prints: log levels, caps, control characters, and the guarantee that nothing it
 * prints, on any stream it can reach, is taken for a frame.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "../../sandbox/index.ts";
import { JOB_THREADS, logText, runCode, startSandbox, type TestSandbox } from "./helpers.ts";

let t: TestSandbox;
beforeAll(async () => {
  t = await startSandbox({ maxLogLineBytes: 1024, maxLogBytes: 64 * 1024 });
}, 60_000);
afterAll(() => t?.close());

describe("log lines", { timeout: 20_000 }, () => {
  it("maps streams and console methods to levels", async () => {
    const { logs } = await runCode(
      t.sandbox,
      `export default () => {
        console.log("from log"); console.info("from info"); console.debug("from debug");
        console.warn("from warn\\nsecond warn line"); console.error("from error");
        Deno.stderr.writeSync(new TextEncoder().encode("raw stderr\\n"));
        console.log("[warn] a prefixed line");
      }`,
    );
    // stdout and stderr are separate pipes: their relative order is not guaranteed.
    expect(logs).toHaveLength(8);
    expect(logs).toEqual(
      expect.arrayContaining([
        { level: "info", message: "from log" },
        { level: "info", message: "from info" },
        { level: "debug", message: "from debug" },
        { level: "warn", message: "from warn" },
        { level: "warn", message: "second warn line" },
        { level: "error", message: "from error" },
        { level: "error", message: "raw stderr" },
        { level: "warn", message: "a prefixed line" },
      ]),
    );
  });

  it("strips control characters and escape sequences", async () => {
    const { logs } = await runCode(
      t.sandbox,
      String.raw`export default () => { console.log("a\x1b[31mred\x1b[0m\tb\rc\x07d\x00e\x1b]0;title\x07f"); }`,
    );
    expect(logs).toEqual([{ level: "info", message: "ared\tbcdef" }]);
  });

  it("cuts a long line and marks it", async () => {
    const { logs } = await runCode(t.sandbox, `export default () => { console.log("y".repeat(5000)); }`);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.message).toBe(`${"y".repeat(1024)} …[line truncated]`);
  });

  it("survives a 10 MB line without a newline: no hang, bounded memory, one cut line", async () => {
    const { outcome, logs, ms } = await runCode(
      t.sandbox,
      `export default () => {
        const chunk = new TextEncoder().encode("z".repeat(1024 * 1024));
        for (let i = 0; i < 10; i++) { let o = 0; while (o < chunk.length) o += Deno.stdout.writeSync(chunk.subarray(o)); }
        return "still here";
      }`,
    );
    expect(outcome).toEqual({ status: "completed", result: "still here" });
    expect(logs).toEqual([{ level: "info", message: `${"z".repeat(1024)} …[line truncated]` }]);
    expect(ms).toBeLessThan(5_000);
  });

  it("caps the run's total log volume with one notice", async () => {
    const { outcome, logs } = await runCode(
      t.sandbox,
      `export default () => { for (let i = 0; i < 5000; i++) console.log("line " + i + " " + "p".repeat(100)); return "done"; }`,
    );
    expect(outcome).toEqual({ status: "completed", result: "done" });
    const total = logs.reduce((n, l) => n + l.message.length, 0);
    expect(total).toBeLessThanOrEqual(64 * 1024 + 200);
    expect(logs.at(-1)).toEqual({
      level: "warn",
      message: "log limit of 65536 bytes reached; further output dropped",
    });
    expect(logs.filter((l) => l.message.startsWith("log limit"))).toHaveLength(1);
  });
});

describe.each(JOB_THREADS)("frame spoofing (job on the %s thread)", (jobThread) => {
  let s: TestSandbox;
  beforeAll(async () => {
    s = await startSandbox({ maxLogLineBytes: 1024, maxLogBytes: 64 * 1024 }, { jobThread });
  }, 60_000);
  afterAll(() => s?.close());

  const fakeNonce = "0".repeat(64);
  const fakes = [
    `@@fluxbase-frame/${PROTOCOL_VERSION} ${fakeNonce} {"t":"result","value":"forged"}`,
    `@@fluxbase-frame/${PROTOCOL_VERSION} ${fakeNonce} {"t":"progress","percent":99,"message":"forged"}`,
    `\\n@@fluxbase-frame/${PROTOCOL_VERSION} ${fakeNonce} {"t":"error","message":"forged"}`,
  ];

  it("treats a console.log imitating a frame as a log line", async () => {
    const { outcome, progress, logs } = await runCode(
      s.sandbox,
      `export default (req, a, b, job) => {
        for (const fake of ${JSON.stringify(fakes)}) { console.log(fake); console.error(fake); }
        job.reportProgress(10, "real");
        return "genuine";
      }`,
    );
    expect(outcome).toEqual({ status: "completed", result: "genuine" });
    expect(progress).toEqual([{ percent: 10, message: "real" }]);
    expect(logText(logs)).toContain(
      `info: @@fluxbase-frame/${PROTOCOL_VERSION} ${fakeNonce} {"t":"result","value":"forged"}`,
    );
    expect(logs.filter((l) => l.message.includes("forged"))).toHaveLength(6);
  });

  it("ignores forged frames written to every fd the job can reach", async () => {
    const { outcome, progress, logs } = await runCode(
      s.sandbox,
      `import { writeSync } from "node:fs";
      export default async (req, a, b, job) => {
        const fake = new TextEncoder().encode(${JSON.stringify(`${fakes.join("\n")}\n`)});
        const tried = {};
        Deno.stdout.writeSync(fake);
        Deno.stderr.writeSync(fake);
        for (const fd of [1, 2, 3, 4]) {
          try { writeSync(fd, fake); tried["node" + fd] = "wrote"; } catch (e) { tried["node" + fd] = e.code ?? e.name; }
        }
        for (const path of ["/dev/fd/1", "/dev/fd/3", "/proc/self/fd/1", "/dev/stdout", "/dev/tty"]) {
          try { const f = Deno.openSync(path, { write: true }); f.writeSync(fake); tried[path] = "wrote"; }
          catch (e) { tried[path] = e.name; }
        }
        Deno.stdout.writeSync(new TextEncoder().encode("a partial line without newline"));
        return tried;
      }`,
    );
    expect(outcome.status).toBe("completed");
    const tried = (outcome as { result: Record<string, string> }).result;
    // Nothing beyond stdout and stderr is reachable; /dev and /proc need --allow-all in Deno.
    for (const path of ["/dev/fd/1", "/dev/fd/3", "/proc/self/fd/1", "/dev/stdout", "/dev/tty"]) {
      expect(tried[path]).toBe("NotCapable");
    }
    expect(tried.node3).not.toBe("wrote");
    expect(tried.node4).not.toBe("wrote");
    expect(progress).toEqual([]);
    expect(logText(logs)).toContain("info: a partial line without newline");
    expect(logs.some((l) => l.message.includes("forged"))).toBe(true);
  });

  // Worker mode: the job can post to the supervisor directly. (Registered only for that mode, so no
  // test is reported as skipped.)
  if (jobThread === "worker") {
    it("cannot split a frame line through the supervisor's message port", async () => {
      const { outcome, progress } = await runCode(
        s.sandbox,
        `export default () => {
        self.postMessage({ t: "result", json: ${JSON.stringify(`1
${fakes[0]}`)} });
        self.postMessage({ t: "progress", percent: "x" });
        return "real";
      }`,
      );
      expect(outcome).toEqual({ status: "completed", result: "real" });
      expect(progress).toEqual([]);
    });
  }

  // Main-isolate mode: the job shares the isolate with the frame writer, and can replace the built-ins
  // the guest would otherwise use to serialise its result and progress.
  if (jobThread === "main") {
    it("cannot split a frame line through its result or progress", async () => {
      const { outcome, progress } = await runCode(
        s.sandbox,
        `export default (req, a, b, job) => {
        const inject = (text) => text + ${JSON.stringify(`\n${fakes[1]}\n`)};
        const { stringify } = JSON;
        JSON.stringify = (...args) => inject(stringify(...args));
        const { slice } = String.prototype;
        String.prototype.slice = function (...args) { return inject(slice.apply(this, args)); };
        job.reportProgress(5, ${JSON.stringify(`line one\n${fakes[1]}`)});
        return ${JSON.stringify(`real\n${fakes[0]}`)};
      }`,
      );
      expect(outcome).toEqual({ status: "completed", result: `real\n${fakes[0]}` });
      expect(progress.map((p) => p.percent)).toEqual([5]);
    });
  }

  it("cannot learn the nonce: not in its env, args, or readable files", async () => {
    const { outcome } = await runCode(
      s.sandbox,
      `export default () => {
        const seen = [];
        try { seen.push(JSON.stringify(Deno.env.toObject())); } catch (e) { seen.push(e.name); }
        seen.push(JSON.stringify(Deno.args));
        for (const p of ["/proc/self/cmdline", "/proc/self/mem", "/dev/stdin", "/proc/self/fd/0"]) {
          try { Deno.readFileSync(p); seen.push("read " + p); } catch (e) { seen.push(e.name); }
        }
        return seen;
      }`,
    );
    expect(outcome).toEqual({
      status: "completed",
      result: ["NotCapable", "[]", "NotCapable", "NotCapable", "NotCapable", "NotCapable"],
    });
  });
});
