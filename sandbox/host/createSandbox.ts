/**
 * The sandbox as the worker pool sees it: `prepare()` once (bundle the guest, pick the run mode,
 * check that Deno runs), then `run()` per job, and `close()` to kill whatever is still running. Owns
 * every child it starts.
 */

import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { buildGuest, type GuestBundle } from "./buildGuest.ts";
import { CodeFiles } from "./codeFiles.ts";
import { resolveDenoPath } from "./denoBinary.ts";
import { checkGrants, protectedNames } from "./grantCheck.ts";
import { lowerPriority } from "./lowerPriority.ts";
import type { SandboxRunContext } from "./runContext.ts";
import { runJob } from "./runJob.ts";
import { resolveRunMode } from "./runMode.ts";
import { disableWebCache } from "./runStorage.ts";
import { SpawnerClient } from "./spawnerClient.ts";
import { startTurn } from "./startTurns.ts";
import type {
  CreateSandboxOptions,
  Sandbox,
  SandboxLimits,
  SandboxRun,
  SandboxRunOptions,
  WarmLimits,
} from "./types.ts";
import { WarmPools } from "./warmPool.ts";

export const defaultWarmLimits = { maxRuns: 1000, idleMs: 60_000 } satisfies WarmLimits;

export const defaultSandboxLimits = {
  maxLogLineBytes: 8 * 1024,
  maxLogBytes: 1024 * 1024,
  maxResultBytes: 16 * 1024 * 1024,
  rssHeadroomMb: 192,
  rssSampleMs: 100,
  niceness: 15,
} satisfies SandboxLimits;

/** How long a grant check's answer is reused: a link created since is found within this. */
const GRANT_CHECK_TTL_MS = 5_000;

const WARMUP_CODE = "export default () => ({ ok: true });\n";

export function createSandbox(options: CreateSandboxOptions): Sandbox {
  const dataDir = resolve(options.dataDir);
  const root = join(dataDir, "sandbox");
  const limits: SandboxLimits = { ...defaultSandboxLimits, ...options.limits };
  const live = new Set<SandboxRun>();
  let context: SandboxRunContext | undefined;
  let warm: WarmPools | undefined;
  let preparing: Promise<void> | undefined;
  let closed = false;
  const grantChecks = new Map<string, { at: number; problem: string | null }>();

  const prepareOnce = async () => {
    // The loader pre-fetches a function's npm:/jsr:/https: imports into <dataDir>/deno at load time;
    // runs read that cache and nothing else (--cached-only).
    const denoDir = join(dataDir, "deno");
    const homeDir = join(root, "home");
    const cancelDir = join(root, "cancel");
    await Promise.all([denoDir, homeDir, cancelDir].map((dir) => mkdir(dir, { recursive: true })));
    await disableWebCache(denoDir);
    const guest: GuestBundle = await buildGuest(join(root, "guest"), options.sdkEntry);
    const denoPath = options.denoPath ?? resolveDenoPath();
    const mode = resolveRunMode(
      options.jobThread ?? "auto",
      options.setprivPath ?? "/usr/bin/setpriv",
      denoPath,
      options.logger,
    );
    const spawner = await SpawnerClient.start(mode.kind === "main" ? mode.setprivPath : null, options.logger);
    const ready: SandboxRunContext = {
      denoPath,
      spawner,
      launcher: lowerPriority(limits.niceness, options.nicePath ?? "/usr/bin/nice"),
      guest,
      mode,
      codeFiles: new CodeFiles(join(root, "code")),
      cancelDir,
      denoDir,
      homeDir,
      // Denied under every name: FLUXBASE_DATA_DIR may itself be given through a link.
      protectedDirs: await protectedNames([dataDir]),
      cwd: resolve(options.cwd ?? process.cwd()),
      limits,
      logger: options.logger,
    };
    // One real run: proves the binary, flags and bundle work, and leaves V8's code cache warm.
    const started = Date.now();
    const logs: string[] = [];
    const outcome = await runJob(ready, warmupOptions(logs)).outcome;
    if (outcome.status !== "completed") {
      await spawner.close();
      throw new Error(
        `Sandbox self-test failed: ${outcome.message}${logs.length ? `\n${logs.join("\n")}` : ""}`,
      );
    }
    options.logger?.debug("sandbox ready", {
      guest: guest.dir,
      jobThread: mode.kind,
      selfTestMs: Date.now() - started,
    });
    context = ready;
    if (mode.kind === "main") warm = new WarmPools(ready, { ...defaultWarmLimits, ...options.warm });
  };

  return {
    prepare() {
      preparing ??= prepareOnce().catch((error) => {
        preparing = undefined;
        throw error;
      });
      return preparing;
    },

    run(runOptions) {
      if (closed) throw new Error("Sandbox is closed");
      if (!context) throw new Error("Sandbox.prepare() must finish before run()");
      // Warm processes need the parent-death signal of main-isolate mode: a process that outlives
      // many runs must never outlive the server.
      const run =
        runOptions.isolation === "warm" && warm ? warm.run(runOptions) : runJob(context, runOptions);
      live.add(run);
      void run.outcome.then(() => live.delete(run));
      return run;
    },

    async checkGrants(permissions) {
      const granted = [...permissions.read, ...permissions.write];
      if (granted.length === 0) return null;
      if (!context) throw new Error("Sandbox.prepare() must finish before checkGrants()");
      const ctx = context;
      const key = JSON.stringify(granted);
      const hit = grantChecks.get(key);
      if (hit && Date.now() - hit.at < GRANT_CHECK_TTL_MS) return hit.problem;
      const result = await checkGrants(granted, ctx.protectedDirs, ctx.cwd);
      if (result.truncated) {
        options.logger?.warn("sandbox: a granted folder is too large to check for links entirely", {
          granted,
        });
      }
      if (grantChecks.size > 1000) grantChecks.clear();
      grantChecks.set(key, { at: Date.now(), problem: result.problem });
      return result.problem;
    },

    startTurn,

    warmProcesses: () => warm?.size ?? 0,

    async close() {
      closed = true;
      warm?.close();
      const runs = [...live];
      for (const run of runs) run.kill("shutdown");
      await Promise.all(runs.map((run) => run.outcome));
      await context?.spawner.close();
    },
  };
}

function warmupOptions(logs: string[]): SandboxRunOptions {
  return {
    code: WARMUP_CODE,
    codeHash: createHash("sha256").update(WARMUP_CODE).digest("hex"),
    permissions: { net: false, env: [], read: [], write: [] },
    serverUrl: "http://127.0.0.1:9",
    env: {},
    memoryMb: 64,
    timeoutMs: 30_000,
    progressTimeoutMs: 0,
    input: {
      payload: null,
      context: {
        job_id: "warmup",
        job_name: "warmup",
        namespace: "default",
        retry_count: 0,
        payload: null,
        user: null,
      },
      userToken: null,
      serviceToken: "warmup",
    },
    onProgress: () => {},
    onLog: (line) => logs.length < 20 && logs.push(line.message),
  };
}
