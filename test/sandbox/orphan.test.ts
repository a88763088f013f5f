/** A job must not outlive the server: kill -9 the parent, and the Deno child goes too. */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { sdkEntry } from "./helpers.ts";

const fixture = fileURLToPath(new URL("./fixtures/orphanParent.ts", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "fluxbase-orphan-"));
const pids: number[] = [];

afterAll(() => {
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

describe("orphaned runs", { timeout: 30_000 }, () => {
  it("ends a job stuck in an infinite loop within 2 s of its parent's SIGKILL", async () => {
    const parent = spawn(process.execPath, ["--import", "tsx", fixture, dataDir, sdkEntry], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const denoPid = await new Promise<number>((resolve, reject) => {
      parent.stdout!.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      parent.once("exit", (code) => reject(new Error(`parent exited early with ${code}`)));
    });
    pids.push(denoPid);
    expect(denoPid).toBeGreaterThan(0);
    expect(isGone(denoPid)).toBe(false);

    parent.kill("SIGKILL");
    const killedAt = Date.now();
    while (!isGone(denoPid) && Date.now() - killedAt < 2_000) await new Promise((r) => setTimeout(r, 20));
    expect(isGone(denoPid)).toBe(true);
    console.info(
      `orphaned Deno process ${denoPid} gone ${Date.now() - killedAt} ms after its parent's SIGKILL`,
    );
  });
});
