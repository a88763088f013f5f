/** What route handlers receive: the shared dependencies and the verified caller. */
import type { AiService } from "../ai/aiService.ts";
import type { Identity } from "../auth/identity.ts";
import type { TokenVerifier } from "../auth/verifyToken.ts";
import type { FluxbaseConfig } from "../config/types.ts";
import type { Sql } from "../db/createSql.ts";
import type { HandlerRegistry } from "../handlers/handlerRegistry.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Storage } from "../storage/storage.ts";
import type { ToggleStore } from "../toggles/toggleStore.ts";

export interface HttpDeps {
  sql: Sql;
  config: FluxbaseConfig;
  verifyToken: TokenVerifier;
  logger: Logger;
  /** Answers /health with 200 only once this returns true. */
  isReady: () => boolean;
  /** For /ready: null when the database answers within `timeoutMs`, else why not. */
  pingDatabase: (timeoutMs: number) => Promise<string | null>;
  /** This process's Prometheus metrics, served at /metrics. */
  metrics: Metrics;
  /** PEM served at GET /api/v1/webhooks/public-key. */
  webhookPublicKey: string;
  /** Trusted handlers of this process: their payload schemas are checked at submit. */
  handlers?: HandlerRegistry;
  /** This process's toggles (cache and declared defaults). */
  toggles: ToggleStore;
  /** The AI helpers' provider calls (for job.ai). */
  ai: AiService;
  /** File storage behind /storage/v1; absent: those routes are not served. */
  storage?: Storage;
}

export interface AppEnv {
  Variables: { identity: Identity; requestId: string };
}
