/**
 * Applies the server's job defaults to what a function's annotations (or an upload's overrides)
 * say, giving one value per `jobs.functions` column. The timeout is clamped to `maxTimeout`.
 */
import type { JobsConfig } from "../config/types.ts";
import type { FunctionSettings, ResolvedFunctionSettings } from "./types.ts";

export type SettingsDefaults = Pick<
  JobsConfig,
  "defaultTimeout" | "maxTimeout" | "defaultMaxRetries" | "defaultProgressTimeout" | "defaultMemory"
>;

export function resolveFunctionSettings(
  settings: FunctionSettings,
  jobsConfig: SettingsDefaults,
): ResolvedFunctionSettings {
  return {
    description: settings.description ?? null,
    enabled: settings.enabled ?? true,
    schedule: settings.schedule ?? null,
    timeoutSeconds: Math.min(settings.timeout ?? jobsConfig.defaultTimeout, jobsConfig.maxTimeout),
    memoryMb: settings.memory ?? jobsConfig.defaultMemory,
    maxRetries: settings.maxRetries ?? jobsConfig.defaultMaxRetries,
    progressTimeoutSeconds: settings.progressTimeout ?? jobsConfig.defaultProgressTimeout,
    requireRoles: settings.requireRoles ?? [],
    runIn: settings.runIn ?? "worker",
    isolation: settings.isolation ?? "warm",
    overlap:
      settings.overlap === undefined || settings.overlap === "allow"
        ? null
        : {
            policy: settings.overlap,
            key: settings.overlapKey ?? null,
            scope: settings.overlapScope ?? "user",
          },
    concurrency: settings.concurrency ?? null,
    onEvents: settings.onEvents ?? [],
    onTables: settings.onTables ?? [],
    onRoles: settings.onRoles ?? null,
    permissions: {
      net: settings.allowNet ?? false,
      env: settings.allowEnv ?? [],
      read: settings.allowRead ?? [],
      write: settings.allowWrite ?? [],
    },
  };
}
