/** The sandbox's host API: run job code in a permission-scoped Deno subprocess. */
export { measureRunOverhead, type OverheadReport } from "./host/benchmark.ts";
export { createSandbox, defaultSandboxLimits, defaultWarmLimits } from "./host/createSandbox.ts";
export { resolveDenoPath } from "./host/denoBinary.ts";
export { buildJobEnv, isSecretEnvName, type JobEnvExtra } from "./host/jobEnv.ts";
export { type ProcessTreeCpu, processStats, processTreeCpu, ticksToMs } from "./host/processTreeCpu.ts";
export { withParentDeathSignal } from "./host/runMode.ts";
export type {
  CreateSandboxOptions,
  FailureReason,
  Isolation,
  JobContext,
  JobProgress,
  JobThread,
  KillReason,
  LogLevel,
  Sandbox,
  SandboxLimits,
  SandboxLogger,
  SandboxLogLine,
  SandboxOutcome,
  SandboxPermissions,
  SandboxRun,
  SandboxRunOptions,
  WarmLimits,
} from "./host/types.ts";
export { PROTOCOL_VERSION } from "./protocol.ts";
