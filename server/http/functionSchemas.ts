/** Request shapes of the admin functions API, and their mapping onto annotation settings. */
import { z } from "zod";
import type { FunctionSettings } from "../functions/types.ts";

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, "expected letters, digits, - and _");
export const namespace = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "expected letters, digits, - and _");
const hosts = z.array(z.string().min(1).max(255));
const settings = {
  description: z.string().max(2000).nullable().optional(),
  enabled: z.boolean().optional(),
  schedule: z.string().max(200).nullable().optional(),
  timeout_seconds: z.number().int().positive().optional(),
  max_retries: z.number().int().min(0).max(100).optional(),
  memory_mb: z.number().int().min(16).max(65_536).optional(),
  progress_timeout_seconds: z.number().int().positive().optional(),
  require_roles: z.array(z.string().min(1).max(63)).optional(),
  run_in: z.enum(["api", "worker"]).optional(),
  isolation: z.enum(["warm", "process"]).optional(),
  permissions: z
    .object({
      net: z.union([z.boolean(), hosts]).optional(),
      env: hosts.optional(),
      read: hosts.optional(),
      write: hosts.optional(),
    })
    .strict()
    .optional(),
};
const code = z
  .string()
  .min(1)
  .max(5 * 1024 * 1024);
export const createBody = z
  .object({ name, namespace: namespace.default("default"), code, ...settings })
  .strict();
export const updateBody = z.object({ code: code.optional(), ...settings }).strict();
export const syncBody = z
  .object({
    namespace: namespace.default("default"),
    jobs: z
      .array(z.object({ name, code, ...settings }).strict())
      .max(500)
      .optional(),
    path: z.string().optional(),
    options: z
      .object({ delete_missing: z.boolean().default(false), dry_run: z.boolean().default(false) })
      .strict()
      .default({
        delete_missing: false,
        dry_run: false,
      }),
  })
  .strict();

export type SettingsInput = Partial<{ [K in keyof typeof settings]: z.infer<(typeof settings)[K]> }>;

export function overrides(input: SettingsInput): Partial<FunctionSettings> {
  const perms = input.permissions;
  return {
    description: input.description ?? undefined,
    enabled: input.enabled,
    schedule: input.schedule ?? undefined,
    timeout: input.timeout_seconds,
    maxRetries: input.max_retries,
    memory: input.memory_mb,
    progressTimeout: input.progress_timeout_seconds,
    requireRoles: input.require_roles,
    allowNet: perms?.net === true ? true : Array.isArray(perms?.net) ? perms.net : undefined,
    allowEnv: perms?.env,
    allowRead: perms?.read,
    allowWrite: perms?.write,
    runIn: input.run_in,
    isolation: input.isolation,
  };
}
