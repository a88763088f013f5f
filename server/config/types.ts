/** The resolved configuration: every field present, validated once at start-up. */
import type { LogLevel } from "../log.ts";
import type { ServerRole } from "./defaults.ts";

export interface JobsConfig {
  enabled: boolean;
  /** Milliseconds a finished job (and its logs) is kept, per status; 0 keeps it for good. */
  retentionCompleted: number;
  retentionFailed: number;
  retentionCancelled: number;
  /** Milliseconds between retention sweeps. */
  retentionSweepInterval: number;
  /** Function imports fetched at load time may reach loopback and private addresses. */
  importAllowPrivate: boolean;
  dir: string;
  autoLoadOnBoot: boolean;
  watch: boolean;
  embeddedWorkerCount: number;
  maxConcurrentPerWorker: number;
  maxConcurrentPerNamespace: number;
  /** Api-lane jobs this process runs at once (processes with the HTTP API only). */
  apiLaneConcurrency: number;
  laneWarningInterval: number;
  /** All durations in milliseconds unless the name says seconds. */
  pollInterval: number;
  workerHeartbeatInterval: number;
  workerTimeout: number;
  /** Seconds. */
  defaultTimeout: number;
  /** Seconds. */
  maxTimeout: number;
  defaultMaxRetries: number;
  /** Seconds. */
  defaultProgressTimeout: number;
  /** Megabytes. */
  defaultMemory: number;
  shutdownTimeout: number;
  cancelGrace: number;
  retryBackoffBase: number;
  retryBackoffMax: number;
  progressFlushInterval: number;
}

export interface NotifyConfig {
  /** Empty string: no mail. */
  smtpUrl: string;
  mailFrom: string;
  alertEmail: string[];
  alertOn: "all" | "failed";
  /** Empty string: read or generate `<dataDir>/webhook_private_key.pem`. */
  webhookPrivateKey: string;
  webhookAllowPrivate: boolean;
  /** Milliseconds. */
  webhookTimeout: number;
  /** Milliseconds. */
  retryBase: number;
  maxAttempts: number;
}

/** Per-user limits on realtime; the protocol's own limits are in server/realtime/options.ts. */
export interface RealtimeLimitsConfig {
  maxSocketsPerUser: number;
  maxSocketsPerIp: number;
  joinsPerSecond: number;
}

export interface TogglesConfig {
  /** The JWT claim naming the caller's tenant; callers without it are their own tenant (the user id). */
  tenantClaim: string;
}

/** One OpenAI-compatible endpoint the server calls for jobs (resolved: every field present). */
export interface AiProvider {
  name: string;
  type: "openai";
  baseUrl: string;
  /** Empty: this provider does no chat. */
  model: string;
  /** Empty: this provider does no embeddings. */
  embeddingModel: string;
  /** The key itself (FLUXBASE_AI_API_KEY, or an option); empty: none, or see apiKeySecret. */
  apiKey: string;
  /** The name of a system secret holding the key (`fluxbase settings secrets set`); empty: none. */
  apiKeySecret: string;
  enabled: boolean;
  /** Where the provider was configured, for error messages: `FLUXBASE_AI_*` or `ai.providers[name]`. */
  source: string;
}

/** A provider as options and fluxbase.yaml give it. */
export interface AiProviderInput {
  name: string;
  /** @default "openai" */
  type?: "openai";
  /** @default "https://api.openai.com/v1" */
  baseUrl?: string;
  model?: string;
  embeddingModel?: string;
  /** Options only: the key itself. In fluxbase.yaml, name a secret with `api_key_secret`. */
  apiKey?: string;
  apiKeySecret?: string;
  /** @default true */
  enabled?: boolean;
}

export interface AiConfig {
  baseUrl: string;
  model: string;
  embeddingModel: string;
  apiKey: string;
  defaultProvider: string;
  /** 0: no limit. */
  maxTokensPerJob: number;
  /** 0: no limit. */
  requestsPerMinute: number;
  /** Milliseconds. */
  timeout: number;
  maxRetries: number;
  /** Every provider, the "default" one of FLUXBASE_AI_* included. */
  providers: AiProvider[];
}

export interface AdminConfig {
  /** Basic auth in front of /admin when both are set. */
  username: string;
  password: string;
}

export interface StorageConfig {
  /** Absolute path where the disk driver keeps object bytes. */
  dir: string;
  /** Bytes. */
  maxFileSize: number;
}

export interface FluxbaseConfig {
  port: number;
  host: string;
  /** Empty string: start the embedded Postgres. */
  databaseUrl: string;
  /** Milliseconds start-up waits for the database to accept connections. */
  databaseWait: number;
  /** Absolute path of the app's own SQL migrations, applied at start-up and by `fluxbase db migrate`. */
  appMigrationsDir: string;
  /** Absolute path. */
  dataDir: string;
  /** Empty string: read or generate `<dataDir>/jwt_secret`. */
  jwtSecret: string;
  encryptionKey: string;
  /** Empty string: derived from host and the bound port. */
  publicUrl: string;
  role: ServerRole;
  logLevel: LogLevel;
  logFormat: "text" | "json";
  maxBodyBytes: number;
  restSchemas: string[];
  /** `["*"]`, or normalized origins (`https://app.example.com`) allowed by CORS and the realtime upgrade. */
  corsOrigins: string[];
  /** Bearer token GET /metrics requires; empty: open. */
  metricsToken: string;
  /** Absolute path of the trusted handlers module; empty: none (the default path did not exist). */
  handlersModule: string;
  jobs: JobsConfig;
  notify: NotifyConfig;
  toggles: TogglesConfig;
  realtime: RealtimeLimitsConfig;
  ai: AiConfig;
  storage: StorageConfig;
  admin: AdminConfig;
}

/** What callers may pass: any subset, nested objects partial too. */
export type FluxbaseOptions = Partial<
  Omit<FluxbaseConfig, "jobs" | "notify" | "toggles" | "realtime" | "ai" | "storage" | "admin">
> & {
  realtime?: Partial<RealtimeLimitsConfig>;
  jobs?: Partial<JobsConfig>;
  notify?: Partial<NotifyConfig>;
  toggles?: Partial<TogglesConfig>;
  ai?: Partial<Omit<AiConfig, "providers">> & { providers?: AiProviderInput[] };
  storage?: Partial<StorageConfig>;
  admin?: Partial<AdminConfig>;
};
