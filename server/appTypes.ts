/** What the composition root (app.ts) takes and gives: the server's public shape. */
import type { ProjectKeys } from "./auth/mintToken.ts";
import type { TokenVerifier } from "./auth/verifyToken.ts";
import type { FluxbaseConfig, FluxbaseOptions } from "./config/types.ts";
import type { Sql } from "./db/createSql.ts";
import type { AnyJobDefinition, HandlerJobs } from "./handlers/types.ts";
import type { Logger } from "./log.ts";
import type { Metrics } from "./metrics/metrics.ts";
import type { ToggleDefinition } from "./toggles/types.ts";

export interface StartedServer extends ProjectKeys {
  /** Base URL clients use; empty for a worker-only process. */
  url: string;
  databaseUrl: string;
  /** The embedded cluster's folder, and why it is outside the data dir when it is; absent with FLUXBASE_DATABASE_URL. */
  embeddedDatabase?: { dir: string; relocatedBecause?: string };
}

export interface Fluxbase {
  readonly config: FluxbaseConfig;
  readonly logger: Logger;
  start(): Promise<StartedServer>;
  stop(): Promise<void>;
  /** Available after start(). */
  readonly sql: Sql;
  readonly verifyToken: TokenVerifier;
  /** Submits jobs from the application (available after start()). */
  readonly jobs: HandlerJobs;
  /** Reads feature toggles (available after start()). */
  readonly toggles: AppToggles;
  /** This instance's Prometheus metrics (served at /metrics); an app may register its own in `metrics.registry`. */
  readonly metrics: Metrics;
}

export interface AppToggles {
  /**
   * Whether the toggle is on for `tenant` (omitted: no tenant, so the platform value). Throws
   * TOGGLE_NOT_FOUND for a toggle neither declared nor stored.
   */
  isOn(id: string, tenant?: string | null): Promise<boolean>;
}

export interface CreateFluxbaseInput {
  options?: FluxbaseOptions;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logger?: Logger;
  /** Trusted handlers (defineJob) this process runs, besides those of the `handlers` module. */
  handlers?: readonly AnyJobDefinition[];
  /** Feature toggles (defineToggle) the code declares, besides those of the `handlers` module. */
  toggles?: readonly ToggleDefinition[];
}
