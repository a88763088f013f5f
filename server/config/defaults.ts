/**
 * Every setting, its default, and where it can come from. Resolution order: explicit option,
 * then environment variable, then `fluxbase.yaml`, then the default written here.
 */

export type ServerRole = "all" | "api" | "worker";
export type SettingKind = "string" | "int" | "bool" | "duration" | "list" | "role" | "level" | "logFormat";

export interface SettingSpec {
  /** Dotted path inside the resolved config. */
  path: string;
  env: string;
  /** Dotted path inside fluxbase.yaml (durations accept "10s", "500ms", "5m" or seconds as a number). */
  yaml: string;
  kind: SettingKind;
  default: unknown;
  /** Never printed, never passed to a job. */
  secret?: boolean;
}

const s = (
  path: string,
  env: string,
  yaml: string,
  kind: SettingKind,
  def: unknown,
  secret = false,
): SettingSpec => ({
  path,
  env,
  yaml,
  kind,
  default: def,
  secret,
});

export const settings: SettingSpec[] = [
  /** @default 8080 */
  s("port", "FLUXBASE_PORT", "server.port", "int", 8080),
  /** @default "127.0.0.1" */
  s("host", "FLUXBASE_HOST", "server.host", "string", "127.0.0.1"),
  /** @default undefined — an embedded Postgres is started under the data dir */
  s("databaseUrl", "FLUXBASE_DATABASE_URL", "database.url", "string", "", true),
  /** How long start-up waits for FLUXBASE_DATABASE_URL to accept connections. @default 30000 */
  s("databaseWait", "FLUXBASE_DATABASE_WAIT", "database.wait", "duration", 30_000),
  /** @default "./db/migrations" — the app's own SQL migrations, applied in name order at start-up */
  s("appMigrationsDir", "FLUXBASE_DB_MIGRATIONS_DIR", "database.migrations_dir", "string", "./db/migrations"),
  /** @default "./.fluxbase" */
  s("dataDir", "FLUXBASE_DATA_DIR", "data_dir", "string", "./.fluxbase"),
  /** @default generated once into the data dir */
  s("jwtSecret", "FLUXBASE_AUTH_JWT_SECRET", "auth.jwt_secret", "string", "", true),
  /** @default generated once into the data dir */
  s("encryptionKey", "FLUXBASE_ENCRYPTION_KEY", "encryption_key", "string", "", true),
  /** @default http://<host>:<port> */
  s("publicUrl", "FLUXBASE_PUBLIC_URL", "server.public_url", "string", ""),
  /** @default "all" — API and workers in one process */
  s("role", "FLUXBASE_ROLE", "server.role", "role", "all"),
  /** @default "info" */
  s("logLevel", "FLUXBASE_LOG_LEVEL", "log_level", "level", "info"),
  /** "text": one readable line per entry; "json": one JSON object per line (pino), for log shippers. @default "text" */
  s("logFormat", "FLUXBASE_LOG_FORMAT", "log_format", "logFormat", "text"),
  /** @default 1048576 (1 MB) */
  s("maxBodyBytes", "FLUXBASE_MAX_BODY_BYTES", "server.max_body_bytes", "int", 1024 * 1024),
  /** @default ["public", "app"] */
  s("restSchemas", "FLUXBASE_REST_SCHEMAS", "rest.schemas", "list", ["public", "app"]),
  /** Origins a browser page may call the API from; `*` allows any (tokens are bearer, no cookies). @default ["*"] */
  s("corsOrigins", "FLUXBASE_CORS_ORIGINS", "server.cors_origins", "list", ["*"]),
  /** Bearer token GET /metrics asks for; empty: the endpoint is open. @default "" */
  s("metricsToken", "FLUXBASE_METRICS_TOKEN", "server.metrics_token", "string", "", true),

  /** The module exporting trusted handlers (an array of defineJob(...)). @default "./handlers/index.ts", when it exists */
  s("handlersModule", "FLUXBASE_HANDLERS", "handlers", "string", ""),

  s("jobs.enabled", "FLUXBASE_JOBS_ENABLED", "jobs.enabled", "bool", true),
  s("jobs.dir", "FLUXBASE_JOBS_DIR", "jobs.dir", "string", "./jobs"),
  /** Completed jobs and their logs are deleted this long after they finished; 0 keeps them. @default 7 days */
  s(
    "jobs.retentionCompleted",
    "FLUXBASE_JOBS_RETENTION_COMPLETED",
    "jobs.retention_completed",
    "duration",
    7 * 86_400_000,
  ),
  /** Failed jobs, likewise. @default 30 days */
  s(
    "jobs.retentionFailed",
    "FLUXBASE_JOBS_RETENTION_FAILED",
    "jobs.retention_failed",
    "duration",
    30 * 86_400_000,
  ),
  /** Cancelled jobs, likewise. @default 7 days */
  s(
    "jobs.retentionCancelled",
    "FLUXBASE_JOBS_RETENTION_CANCELLED",
    "jobs.retention_cancelled",
    "duration",
    7 * 86_400_000,
  ),
  /** How often one process sweeps expired jobs. @default 60000 */
  s(
    "jobs.retentionSweepInterval",
    "FLUXBASE_JOBS_RETENTION_SWEEP_INTERVAL",
    "jobs.retention_sweep_interval",
    "duration",
    60_000,
  ),
  /** Lets functions' `http(s):` imports reach loopback and private addresses (an internal registry). @default false */
  s(
    "jobs.importAllowPrivate",
    "FLUXBASE_JOBS_IMPORT_ALLOW_PRIVATE",
    "jobs.import_allow_private",
    "bool",
    false,
  ),
  s("jobs.autoLoadOnBoot", "FLUXBASE_JOBS_AUTO_LOAD_ON_BOOT", "jobs.auto_load_on_boot", "bool", true),
  s("jobs.watch", "FLUXBASE_JOBS_WATCH", "jobs.watch", "bool", true),
  s(
    "jobs.embeddedWorkerCount",
    "FLUXBASE_JOBS_EMBEDDED_WORKER_COUNT",
    "jobs.embedded_worker_count",
    "int",
    4,
  ),
  s(
    "jobs.maxConcurrentPerWorker",
    "FLUXBASE_JOBS_MAX_CONCURRENT_PER_WORKER",
    "jobs.max_concurrent_per_worker",
    "int",
    5,
  ),
  s(
    "jobs.maxConcurrentPerNamespace",
    "FLUXBASE_JOBS_MAX_CONCURRENT_PER_NAMESPACE",
    "jobs.max_concurrent_per_namespace",
    "int",
    20,
  ),
  /** Jobs of the api lane (`runIn: "api"`) one process with the HTTP API runs at once. @default 5 */
  s("jobs.apiLaneConcurrency", "FLUXBASE_JOBS_API_LANE_CONCURRENCY", "jobs.api_lane_concurrency", "int", 5),
  /** How often an API-only process warns about worker-lane jobs no worker process is alive for. @default 60000 */
  s(
    "jobs.laneWarningInterval",
    "FLUXBASE_JOBS_LANE_WARNING_INTERVAL",
    "jobs.lane_warning_interval",
    "duration",
    60_000,
  ),
  /** Milliseconds. @default 1000 */
  s("jobs.pollInterval", "FLUXBASE_JOBS_POLL_INTERVAL", "jobs.poll_interval", "duration", 1000),
  s(
    "jobs.workerHeartbeatInterval",
    "FLUXBASE_JOBS_WORKER_HEARTBEAT_INTERVAL",
    "jobs.worker_heartbeat_interval",
    "duration",
    10_000,
  ),
  s("jobs.workerTimeout", "FLUXBASE_JOBS_WORKER_TIMEOUT", "jobs.worker_timeout", "duration", 30_000),
  /** Seconds. @default 300 */
  s("jobs.defaultTimeout", "FLUXBASE_JOBS_DEFAULT_TIMEOUT", "jobs.default_timeout", "int", 300),
  /** Seconds; annotations above it are clamped. @default 3600 */
  s("jobs.maxTimeout", "FLUXBASE_JOBS_MAX_TIMEOUT", "jobs.max_timeout", "int", 3600),
  s("jobs.defaultMaxRetries", "FLUXBASE_JOBS_DEFAULT_MAX_RETRIES", "jobs.default_max_retries", "int", 3),
  /** Seconds. @default 300 */
  s(
    "jobs.defaultProgressTimeout",
    "FLUXBASE_JOBS_DEFAULT_PROGRESS_TIMEOUT",
    "jobs.default_progress_timeout",
    "int",
    300,
  ),
  /** Megabytes of V8 heap. @default 256 */
  s("jobs.defaultMemory", "FLUXBASE_JOBS_DEFAULT_MEMORY", "jobs.default_memory", "int", 256),
  /** How long a graceful shutdown lets running jobs finish. @default 30000 */
  s("jobs.shutdownTimeout", "FLUXBASE_JOBS_SHUTDOWN_TIMEOUT", "jobs.shutdown_timeout", "duration", 30_000),
  /** How long a cancelled job may keep running before it is killed. @default 5000 */
  s("jobs.cancelGrace", "FLUXBASE_JOBS_CANCEL_GRACE", "jobs.cancel_grace", "duration", 5_000),
  /** First retry delay; doubles each attempt, with jitter. @default 1000 */
  s(
    "jobs.retryBackoffBase",
    "FLUXBASE_JOBS_RETRY_BACKOFF_BASE",
    "jobs.retry_backoff_base",
    "duration",
    1_000,
  ),
  s("jobs.retryBackoffMax", "FLUXBASE_JOBS_RETRY_BACKOFF_MAX", "jobs.retry_backoff_max", "duration", 300_000),
  /** Minimum spacing of progress writes for one job. @default 100 */
  s(
    "jobs.progressFlushInterval",
    "FLUXBASE_JOBS_PROGRESS_FLUSH_INTERVAL",
    "jobs.progress_flush_interval",
    "duration",
    100,
  ),

  /** `smtp://user:pass@host:port` or `smtps://…`; empty: no mail, and `notify: true` is refused. @default "" */
  s("notify.smtpUrl", "FLUXBASE_SMTP_URL", "notify.smtp_url", "string", "", true),
  /** The From of every mail. @default "Fluxbase <fluxbase@localhost>" */
  s("notify.mailFrom", "FLUXBASE_MAIL_FROM", "notify.mail_from", "string", "Fluxbase <fluxbase@localhost>"),
  /** Addresses mailed when a scheduled run ends. @default [] */
  s("notify.alertEmail", "FLUXBASE_JOBS_ALERT_EMAIL", "notify.alert_email", "list", []),
  /** `all` (every end of a scheduled run) or `failed`. @default "all" */
  s("notify.alertOn", "FLUXBASE_JOBS_ALERT_ON", "notify.alert_on", "string", "all"),
  /** PEM of the RSA key that signs webhooks. @default generated once into the data dir */
  s(
    "notify.webhookPrivateKey",
    "FLUXBASE_WEBHOOK_PRIVATE_KEY",
    "notify.webhook_private_key",
    "string",
    "",
    true,
  ),
  /** Allow webhook targets on loopback and private networks (link-local stays refused). @default false */
  s(
    "notify.webhookAllowPrivate",
    "FLUXBASE_WEBHOOK_ALLOW_PRIVATE",
    "notify.webhook_allow_private",
    "bool",
    false,
  ),
  /** Time limit of one webhook attempt. @default 5000 */
  s("notify.webhookTimeout", "FLUXBASE_WEBHOOK_TIMEOUT", "notify.webhook_timeout", "duration", 5_000),
  /** First retry delay of a delivery (mail or webhook); doubles each attempt. @default 1000 */
  s("notify.retryBase", "FLUXBASE_NOTIFY_RETRY_BASE", "notify.retry_base", "duration", 1_000),
  /** Attempts of one delivery before it is given up. @default 5 */
  s("notify.maxAttempts", "FLUXBASE_NOTIFY_MAX_ATTEMPTS", "notify.max_attempts", "int", 5),

  /** Realtime sockets one user (the upgrade token's subject) may have open. @default 20 */
  s(
    "realtime.maxSocketsPerUser",
    "FLUXBASE_REALTIME_MAX_SOCKETS_PER_USER",
    "realtime.max_sockets_per_user",
    "int",
    20,
  ),
  /** Realtime sockets one IP address may have open (behind a proxy, all clients share one). @default 200 */
  s(
    "realtime.maxSocketsPerIp",
    "FLUXBASE_REALTIME_MAX_SOCKETS_PER_IP",
    "realtime.max_sockets_per_ip",
    "int",
    200,
  ),
  /** Channel joins per second for one user (one address for the anon key), with a 5-second burst. @default 20 */
  s("realtime.joinsPerSecond", "FLUXBASE_REALTIME_JOINS_PER_SECOND", "realtime.joins_per_second", "int", 20),
  /** The JWT claim that names a caller's tenant for feature toggles; without it, the user id. @default "tenant_id" */
  s("toggles.tenantClaim", "FLUXBASE_TENANT_CLAIM", "toggles.tenant_claim", "string", "tenant_id"),

  // AI helpers (job.ai, ctx.ai). These four describe the provider named "default"; more providers
  // are listed under `ai.providers` in fluxbase.yaml (see config/aiProviders.ts).
  /** An OpenAI-compatible endpoint, e.g. https://api.openai.com/v1 or http://localhost:11434/v1. @default "" (none) */
  s("ai.baseUrl", "FLUXBASE_AI_BASE_URL", "ai.base_url", "string", ""),
  /** The chat model of the "default" provider. @default "" */
  s("ai.model", "FLUXBASE_AI_MODEL", "ai.model", "string", ""),
  /** The embedding model of the "default" provider. @default "" */
  s("ai.embeddingModel", "FLUXBASE_AI_EMBEDDING_MODEL", "ai.embedding_model", "string", ""),
  /** The API key of the "default" provider; never reaches a job. @default "" */
  s("ai.apiKey", "FLUXBASE_AI_API_KEY", "ai.api_key", "string", "", true),
  /** The provider calls name when they name none. @default "default" when it exists, else the first */
  s("ai.defaultProvider", "FLUXBASE_AI_DEFAULT_PROVIDER", "ai.default_provider", "string", ""),
  /** Tokens one run of a job may use (prompt and completion); 0: no limit. @default 100000 */
  s("ai.maxTokensPerJob", "FLUXBASE_AI_MAX_TOKENS_PER_JOB", "ai.max_tokens_per_job", "int", 100_000),
  /** AI requests per minute per user, across every process; 0: no limit. @default 60 */
  s("ai.requestsPerMinute", "FLUXBASE_AI_REQUESTS_PER_MINUTE", "ai.requests_per_minute", "int", 60),
  /** Time limit of one provider request. @default 60000 */
  s("ai.timeout", "FLUXBASE_AI_TIMEOUT", "ai.timeout", "duration", 60_000),
  /** Retries of a provider request after a connection error, 408, 409, 429 or 5xx. @default 2 */
  s("ai.maxRetries", "FLUXBASE_AI_MAX_RETRIES", "ai.max_retries", "int", 2),

  // The dashboard at /admin.
  /** With the password, HTTP basic auth in front of /admin (required to serve it beyond loopback). @default "" */
  s("admin.username", "FLUXBASE_ADMIN_USERNAME", "admin.username", "string", ""),
  /** @default "" */
  s("admin.password", "FLUXBASE_ADMIN_PASSWORD", "admin.password", "string", "", true),

  // File storage (/storage/v1, client.storage, fluxbase.storage in jobs).
  /** Where object bytes are kept. @default "" (`<data dir>/storage`) */
  s("storage.dir", "FLUXBASE_STORAGE_DIR", "storage.dir", "string", ""),
  /** The largest object in bytes; a bucket's file_size_limit can only lower it. @default 52428800 (50 MB) */
  s(
    "storage.maxFileSize",
    "FLUXBASE_STORAGE_MAX_FILE_SIZE",
    "storage.max_file_size",
    "int",
    50 * 1024 * 1024,
  ),
];
