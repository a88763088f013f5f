/**
 * Where job code runs: Deno's main isolate when `setpriv --pdeathsig KILL` works, else a Worker, with
 * a warning (see sandbox/README.md, "Two modes"). A job can tell: only a Worker has `self.postMessage`.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createSandbox, type SandboxLogger } from "../../sandbox/index.ts";
import { runCode, sdkEntry, startSandbox } from "./helpers.ts";

const scratch = mkdtempSync(join(tmpdir(), "fluxbase-runmode-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const WHERE = "export default () => typeof self.postMessage === 'function' ? 'worker' : 'main'";

function recordingLogger(warnings: string[]): SandboxLogger {
  return { debug() {}, info() {}, warn: (message) => warnings.push(message), error() {} };
}

/** A setpriv from before util-linux 2.33, which has no --pdeathsig. */
function oldSetpriv(): string {
  const path = join(scratch, "setpriv");
  writeFileSync(path, "#!/bin/sh\necho \"setpriv: unrecognized option '--pdeathsig'\" >&2\nexit 1\n");
  chmodSync(path, 0o755);
  return path;
}

describe("where jobs run", { timeout: 30_000 }, () => {
  it("runs jobs in Deno's main isolate when setpriv can arm the parent-death signal", async () => {
    const warnings: string[] = [];
    const t = await startSandbox(undefined, { logger: recordingLogger(warnings) });
    try {
      expect((await runCode(t.sandbox, WHERE)).outcome).toEqual({ status: "completed", result: "main" });
      expect(warnings).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it.each([
    [
      "is missing",
      () => join(scratch, "no-such-setpriv"),
      /no-such-setpriv \(util-linux\), which does not exist/,
    ],
    ["has no --pdeathsig", oldSetpriv, /failed \(setpriv: unrecognized option '--pdeathsig'\)/],
  ])("falls back to a Worker, with a warning, when setpriv %s", async (_name, setprivPath, why) => {
    const warnings: string[] = [];
    const t = await startSandbox(undefined, {
      setprivPath: setprivPath(),
      logger: recordingLogger(warnings),
    });
    try {
      expect((await runCode(t.sandbox, WHERE)).outcome).toEqual({ status: "completed", result: "worker" });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^sandbox: running jobs in a Worker/);
      expect(warnings[0]).toMatch(why);
    } finally {
      await t.close();
    }
  });

  it('refuses jobThread "main" where setpriv cannot do it', async () => {
    const dataDir = mkdtempSync(join(scratch, "data-"));
    const sandbox = createSandbox({ dataDir, sdkEntry, jobThread: "main", setprivPath: oldSetpriv() });
    await expect(sandbox.prepare()).rejects.toThrow(
      /^Sandbox jobThread "main" needs .*setpriv --pdeathsig KILL/,
    );
  });

  it("uses a Worker when asked to, setpriv or not", async () => {
    const t = await startSandbox(undefined, { jobThread: "worker" });
    try {
      expect((await runCode(t.sandbox, WHERE)).outcome).toEqual({ status: "completed", result: "worker" });
    } finally {
      await t.close();
    }
  });
});
