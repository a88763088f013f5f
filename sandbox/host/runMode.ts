/**
 * Where job code runs, decided once per sandbox (see ../README.md, "Two modes"):
 * - "main": in the guest's main isolate. Deno is started through `setpriv --pdeathsig KILL`, so the
 *   kernel kills it when the server dies, even while the job spins in `while (true) {}`. No Worker:
 *   about half the CPU per run.
 * - "worker": in a Web Worker, while the guest's main thread watches stdin for the server's death.
 *   The fallback where setpriv is missing or cannot arm the signal (not Linux, a minimal image).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { JobThread, SandboxLogger } from "./types.ts";

export type RunMode = { kind: "main"; setprivPath: string } | { kind: "worker" };

export function resolveRunMode(
  wanted: JobThread,
  setprivPath: string,
  denoPath: string,
  logger?: SandboxLogger,
): RunMode {
  if (wanted === "worker") return { kind: "worker" };
  const problem = parentDeathSignalProblem(setprivPath, denoPath);
  if (problem === null) return { kind: "main", setprivPath };
  if (wanted === "main") throw new Error(`Sandbox jobThread "main" needs ${problem}`);
  logger?.warn(
    `sandbox: running jobs in a Worker (about twice the CPU per run), because main-isolate mode needs ${problem}`,
  );
  return { kind: "worker" };
}

/** Why `setpriv --pdeathsig KILL` cannot start Deno here, or null when it can. */
function parentDeathSignalProblem(setprivPath: string, denoPath: string): string | null {
  if (process.platform !== "linux") return `Linux (for setpriv --pdeathsig), not ${process.platform}`;
  if (!existsSync(setprivPath)) return `${setprivPath} (util-linux), which does not exist`;
  // --pdeathsig appeared in util-linux 2.33; an older setpriv rejects it.
  const probe = spawnSync(setprivPath, ["--pdeathsig", "KILL", "--", denoPath, "--version"], {
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdio: ["ignore", "ignore", "pipe"],
    timeout: 30_000,
  });
  if (probe.status === 0) return null;
  const said = probe.error?.message ?? probe.stderr?.toString().trim().split("\n")[0] ?? "";
  return `${setprivPath} --pdeathsig KILL to work, but it failed (${said || `status ${probe.status}`})`;
}

const probed = new Map<string, boolean>();

/**
 * `[command, args]` for any other Deno the server starts (e.g. `deno cache` at load time), wrapped in
 * `setpriv --pdeathsig KILL` where that works, so it dies with the server too. Probed once per binary.
 */
export function withParentDeathSignal(
  denoPath: string,
  args: string[],
  setprivPath = "/usr/bin/setpriv",
): [string, string[]] {
  const key = `${setprivPath}\0${denoPath}`;
  if (!probed.has(key)) probed.set(key, parentDeathSignalProblem(setprivPath, denoPath) === null);
  return probed.get(key) ? [setprivPath, ["--pdeathsig", "KILL", "--", denoPath, ...args]] : [denoPath, args];
}
