/** Turns options, environment and fluxbase.yaml into one validated FluxbaseConfig. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../errors.ts";
import { resolveAiProviders } from "./aiProviders.ts";
import { normalizeCorsOrigins } from "./corsOrigins.ts";
import { type SettingSpec, settings } from "./defaults.ts";
import type { FluxbaseConfig, FluxbaseOptions } from "./types.ts";
import { unknownYamlKeys } from "./unknownYamlKeys.ts";

export interface ResolveInput {
  options?: FluxbaseOptions;
  env?: NodeJS.ProcessEnv;
  /** Directory that relative paths and fluxbase.yaml are resolved against. @default process.cwd() */
  cwd?: string;
  /** @default "<cwd>/fluxbase.yaml" (or FLUXBASE_CONFIG) when it exists */
  yamlPath?: string;
}

export function resolveConfig(input: ResolveInput = {}): FluxbaseConfig {
  const env = input.env ?? process.env;
  const cwd = input.cwd ?? process.cwd();
  const yamlPath = input.yamlPath ?? env.FLUXBASE_CONFIG ?? path.join(cwd, "fluxbase.yaml");
  const yaml = readYaml(yamlPath);
  const [unknown, ...more] = unknownYamlKeys(yaml, [...settings.map((spec) => spec.yaml), "ai.providers"]);
  if (unknown) {
    const others = more.length > 0 ? ` (also unknown: ${more.map((k) => k.key).join(", ")})` : "";
    const hint = unknown.suggestion
      ? `did you mean ${unknown.suggestion}?`
      : "the keys are listed in docs/configuration.md";
    throw new ConfigError(`Unknown key ${unknown.key} in ${path.resolve(cwd, yamlPath)}${others}: ${hint}`);
  }
  const out: Record<string, any> = {
    jobs: {},
    notify: {},
    toggles: {},
    realtime: {},
    ai: {},
    storage: {},
    admin: {},
  };
  for (const spec of settings) {
    const explicit = getPath(input.options ?? {}, spec.path);
    let value: unknown;
    if (explicit !== undefined) value = checkExplicit(spec, explicit);
    else if (env[spec.env] !== undefined && env[spec.env] !== "")
      value = parseSetting(spec, env[spec.env]!, spec.env);
    else if (getPath(yaml, spec.yaml) !== undefined)
      value = parseSetting(spec, getPath(yaml, spec.yaml), spec.yaml);
    else value = spec.default;
    setPath(out, spec.path, value);
  }
  const config = out as FluxbaseConfig;
  config.dataDir = path.resolve(cwd, config.dataDir);
  config.appMigrationsDir = path.resolve(cwd, config.appMigrationsDir);
  config.jobs.dir = path.resolve(cwd, config.jobs.dir);
  config.storage.dir = path.resolve(cwd, config.storage.dir || path.join(config.dataDir, "storage"));
  config.corsOrigins = normalizeCorsOrigins(config.corsOrigins);
  config.handlersModule = resolveHandlersPath(cwd, config.handlersModule);
  validate(config);
  config.ai.providers = resolveAiProviders(
    config.ai,
    input.options?.ai?.providers,
    getPath(yaml, "ai.providers"),
    path.resolve(cwd, yamlPath),
  );
  return config;
}

/** An explicit path must exist (checked at load); the default is used only when it exists. */
function resolveHandlersPath(cwd: string, configured: string): string {
  if (configured) return path.resolve(cwd, configured);
  const fallback = path.resolve(cwd, "handlers/index.ts");
  return existsSync(fallback) ? fallback : "";
}

function readYaml(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  try {
    const parsed = parseYaml(readFileSync(file, "utf8"));
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== "object" || Array.isArray(parsed))
      throw new Error("the top level must be a mapping");
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`Invalid ${file}: ${(error as Error).message}`);
  }
}

export function parseSetting(spec: SettingSpec, raw: unknown, source: string): unknown {
  const fail = (expected: string): never => {
    throw new ConfigError(`Invalid ${source}: expected ${expected}, got ${JSON.stringify(raw)}`);
  };
  const text = String(raw).trim();
  switch (spec.kind) {
    case "string":
      return text;
    case "int": {
      if (!/^-?\d+$/.test(text)) fail("a whole number");
      return Number(text);
    }
    case "bool": {
      if (/^(true|1|yes|on)$/i.test(text)) return true;
      if (/^(false|0|no|off)$/i.test(text)) return false;
      return fail("true or false");
    }
    case "duration":
      return parseDuration(text) ?? fail('a duration such as "500ms", "10s", "5m" or a number of seconds');
    case "list":
      return Array.isArray(raw)
        ? raw.map(String)
        : text
            .split(",")
            .map((part) => part.trim())
            .filter(Boolean);
    case "role":
      if (text === "all" || text === "api" || text === "worker") return text;
      return fail('"all", "api" or "worker"');
    case "level":
      if (["debug", "info", "warn", "error"].includes(text)) return text;
      return fail('"debug", "info", "warn" or "error"');
    case "logFormat":
      if (text === "text" || text === "json") return text;
      return fail('"text" or "json"');
  }
}

/** Milliseconds for "250ms", "10s", "5m", "1h", "7d", or a bare number of seconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return undefined;
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? "s"]!;
  return Math.round(Number(match[1]) * factor);
}

function checkExplicit(spec: SettingSpec, value: unknown): unknown {
  const ok =
    (spec.kind === "int" || spec.kind === "duration") && typeof value === "number" && Number.isFinite(value)
      ? true
      : spec.kind === "bool"
        ? typeof value === "boolean"
        : spec.kind === "list"
          ? Array.isArray(value)
          : typeof value === "string";
  if (!ok) throw new ConfigError(`Invalid option ${spec.path}: got ${JSON.stringify(value)}`);
  return spec.kind === "role" || spec.kind === "level" || spec.kind === "logFormat"
    ? parseSetting(spec, value, `option ${spec.path}`)
    : value;
}

function validate(config: FluxbaseConfig): void {
  const positive = (name: string, value: number, min = 1) => {
    if (!(value >= min)) throw new ConfigError(`Invalid ${name}: expected at least ${min}, got ${value}`);
  };
  positive("port (FLUXBASE_PORT)", config.port, 0);
  if (config.port > 65535)
    throw new ConfigError(`Invalid port (FLUXBASE_PORT): ${config.port} is above 65535`);
  positive("FLUXBASE_DATABASE_WAIT", config.databaseWait, 0);
  positive("FLUXBASE_JOBS_EMBEDDED_WORKER_COUNT", config.jobs.embeddedWorkerCount, 0);
  positive("FLUXBASE_JOBS_MAX_CONCURRENT_PER_WORKER", config.jobs.maxConcurrentPerWorker);
  positive("FLUXBASE_JOBS_MAX_CONCURRENT_PER_NAMESPACE", config.jobs.maxConcurrentPerNamespace);
  positive("FLUXBASE_JOBS_API_LANE_CONCURRENCY", config.jobs.apiLaneConcurrency, 0);
  positive("FLUXBASE_JOBS_LANE_WARNING_INTERVAL", config.jobs.laneWarningInterval, 10);
  positive("FLUXBASE_JOBS_POLL_INTERVAL", config.jobs.pollInterval, 10);
  positive("FLUXBASE_JOBS_DEFAULT_TIMEOUT", config.jobs.defaultTimeout);
  positive("FLUXBASE_JOBS_MAX_TIMEOUT", config.jobs.maxTimeout);
  positive("FLUXBASE_JOBS_DEFAULT_MAX_RETRIES", config.jobs.defaultMaxRetries, 0);
  positive("FLUXBASE_JOBS_DEFAULT_MEMORY", config.jobs.defaultMemory, 16);
  positive("FLUXBASE_MAX_BODY_BYTES", config.maxBodyBytes, 1024);
  if (config.jwtSecret && config.jwtSecret.length < 32) {
    throw new ConfigError("Invalid FLUXBASE_AUTH_JWT_SECRET: expected at least 32 characters");
  }
  if (config.databaseUrl && !/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    throw new ConfigError("Invalid FLUXBASE_DATABASE_URL: expected a postgres:// URL");
  }
  if (config.notify.alertOn !== "all" && config.notify.alertOn !== "failed") {
    throw new ConfigError(
      `Invalid FLUXBASE_JOBS_ALERT_ON: expected all or failed, got ${config.notify.alertOn}`,
    );
  }
  if (config.notify.smtpUrl && !/^smtps?:\/\//.test(config.notify.smtpUrl)) {
    throw new ConfigError("Invalid FLUXBASE_SMTP_URL: expected smtp://user:pass@host:port or smtps://…");
  }
  positive("FLUXBASE_NOTIFY_MAX_ATTEMPTS", config.notify.maxAttempts);
  positive("FLUXBASE_AI_MAX_TOKENS_PER_JOB", config.ai.maxTokensPerJob, 0);
  positive("FLUXBASE_AI_REQUESTS_PER_MINUTE", config.ai.requestsPerMinute, 0);
  positive("FLUXBASE_AI_TIMEOUT", config.ai.timeout, 100);
  positive("FLUXBASE_AI_MAX_RETRIES", config.ai.maxRetries, 0);
  positive("FLUXBASE_WEBHOOK_TIMEOUT", config.notify.webhookTimeout, 10);
  positive("FLUXBASE_STORAGE_MAX_FILE_SIZE", config.storage.maxFileSize, 1);
  if ((config.admin.username === "") !== (config.admin.password === ""))
    throw new ConfigError("Set both FLUXBASE_ADMIN_USERNAME and FLUXBASE_ADMIN_PASSWORD, or neither");
  if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/.test(config.toggles.tenantClaim)) {
    throw new ConfigError(
      `Invalid FLUXBASE_TENANT_CLAIM: expected a claim name such as tenant_id, got ${JSON.stringify(config.toggles.tenantClaim)}`,
    );
  }
  if (config.publicUrl && !/^https?:\/\//.test(config.publicUrl)) {
    throw new ConfigError(`Invalid FLUXBASE_PUBLIC_URL: expected an http(s) URL, got ${config.publicUrl}`);
  }
}

function getPath(source: unknown, dotted: string): unknown {
  let node: any = source;
  for (const key of dotted.split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    node = node[key];
  }
  return node;
}

function setPath(target: Record<string, any>, dotted: string, value: unknown): void {
  const keys = dotted.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) node = node[key] ??= {};
  node[keys.at(-1)!] = value;
}
