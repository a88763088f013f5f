/** What every run of a prepared sandbox shares: the binary, the guest bundle, the mode, the folders and limits. */
import type { GuestBundle } from "./buildGuest.ts";
import type { CodeFiles } from "./codeFiles.ts";
import type { RunMode } from "./runMode.ts";
import type { SpawnerClient } from "./spawnerClient.ts";
import type { SandboxLimits, SandboxLogger } from "./types.ts";

export interface SandboxRunContext {
  denoPath: string;
  /** What Deno is started through (after setpriv in main-isolate mode): `nice`, or nothing. */
  launcher: string[];
  guest: GuestBundle;
  mode: RunMode;
  /** Starts every job process, off the server's event loop. */
  spawner: SpawnerClient;
  codeFiles: CodeFiles;
  /** Where main-isolate runs' cancel files go. */
  cancelDir: string;
  denoDir: string;
  homeDir: string;
  /** Kept out of the job's reach (the data dir). */
  protectedDirs: string[];
  cwd: string;
  limits: SandboxLimits;
  logger?: SandboxLogger;
}
