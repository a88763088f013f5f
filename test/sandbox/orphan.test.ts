/**
 * A job must not outlive the server: kill -9 the parent, and its spawner and the Deno child go too.
 * In main-isolate mode the kernel does it, twice (setpriv --pdeathsig KILL starts both); in Worker
 * mode the spawner kills what it started when the parent's channel closes, and the guest's main
 * thread sees its stdin end; the job spins in `while (true) {}` either way.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { descendants } from "../support/processes.ts";
import { JOB_THREADS, sdkEntry } from "./helpers.ts";

const fixture = fileURLToPath(new URL("./fixtures/orphanParent.ts", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "fluxbase-orphan-"));
const pids: number[] = [];
/** Parents a failed test left running. */
const parents: ChildProcess[] = [];

afterAll(() => {
  for (const parent of parents) parent.kill("SIGKILL");
  for (const pid of pids) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {}
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** Gone, or a zombie waiting for a reaper (it no longer runs anything). */
function isGone(pid: number): boolean {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return true;
  }
}

/** Resolves with each JSON line the fixture prints, in order. */
function lines(parent: ChildProcess): () => Promise<Record<string, unknown>> {
  const queue: Record<string, unknown>[] = [];
  const waiting: ((line: Record<string, unknown>) => void)[] = [];
  let buffered = "";
  parent.stdout!.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let i = buffered.indexOf("\n"); i !== -1; i = buffered.indexOf("\n")) {
      const line = JSON.parse(buffered.slice(0, i));
      buffered = buffered.slice(i + 1);
      const next = waiting.shift();
      if (next) next(line);
      else queue.push(line);
    }
  });
  return () =>
    new Promise((resolve, reject) => {
      const line = queue.shift();
      if (line) return resolve(line);
      waiting.push(resolve);
      parent.once("exit", (code) => reject(new Error(`parent exited early with ${code}`)));
    });
}

describe.each(JOB_THREADS)("orphaned runs (job on the %s thread)", { timeout: 30_000 }, (jobThread) => {
  it("ends a job stuck in an infinite loop within 2 s of its parent's SIGKILL", async () => {
    const parent = spawn(process.execPath, ["--import", "tsx", fixture, dataDir, sdkEntry, jobThread], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    parents.push(parent);
    const next = lines(parent);
    const denoPid = (await next()).pid as number;
    pids.push(denoPid);
    expect(denoPid).toBeGreaterThan(0);
    // Another thread of the server started and ended: the run must not care.
    expect(await next()).toEqual({ threadExited: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(isGone(denoPid)).toBe(false);

    // Every process below the parent: its spawner, the run's Deno and, with warm processes, the
    // idle spare too.
    const all = descendants(parent.pid!);
    expect(all).toContain(denoPid);
    pids.push(...all);
    parent.kill("SIGKILL");
    const killedAt = Date.now();
    while (!all.every(isGone) && Date.now() - killedAt < 2_000) await new Promise((r) => setTimeout(r, 20));
    expect(all.filter((pid) => !isGone(pid))).toEqual([]);
    console.info(
      `orphaned Deno process ${denoPid} (${jobThread}; ${all.length} in all) gone ${Date.now() - killedAt} ms after its parent's SIGKILL`,
    );
  });
});
