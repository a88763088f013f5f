/**
 * The library: run Fluxbase Jobs inside your own Node process, with trusted handlers beside the
 * sandboxed functions of ./jobs.
 *
 * ```ts
 * const fluxbase = createFluxbase({ jobs: [sendEmail], toggles: [newBilling], port: 3000 });
 * await fluxbase.start();
 * await fluxbase.jobs.enqueue("send-email", { to: "a@b.c" }); // name and payload type-checked
 * await fluxbase.toggles.isOn("new-billing", tenantId);
 * ```
 */
import { createFluxbase as createServer, type Fluxbase, type StartedServer } from "./app.ts";
import type { FluxbaseOptions, JobsConfig, TogglesConfig } from "./config/types.ts";
import type { AnyJobDefinition, EnqueuedJob, EnqueueOptions, PayloadOf } from "./handlers/types.ts";
import type { Logger } from "./log.ts";
import type { ToggleDefinition } from "./toggles/types.ts";

export type { AppToggles, StartedServer } from "./app.ts";
export type { FluxbaseConfig, FluxbaseOptions, JobsConfig, TogglesConfig } from "./config/types.ts";
export type { Sql, Tx } from "./db/createSql.ts";
export { ConfigError, HttpError } from "./errors.ts";
export { defineJob } from "./handlers/defineJob.ts";
export type {
  AnyJobDefinition,
  DefineJobInput,
  EnqueuedJob,
  EnqueueOptions,
  HandlerContext,
  HandlerJob,
  HandlerLog,
  JobDefinition,
  Lane,
  PayloadOf,
  SubmitOptions,
} from "./handlers/types.ts";
export type { Logger, LogLevel } from "./log.ts";
export { type DefineToggleInput, defineToggle } from "./toggles/defineToggle.ts";
export { resetToggles, setToggle } from "./toggles/testHelpers.ts";
export type { ToggleDefinition, Toggles } from "./toggles/types.ts";

export interface CreateFluxbaseOptions<Jobs extends readonly AnyJobDefinition[]>
  extends Omit<FluxbaseOptions, "jobs" | "toggles"> {
  /** Trusted handlers made with defineJob; `jobs.enqueue` is typed by them. */
  jobs?: Jobs;
  /** The `jobs.*` settings of the configuration (workers, timeouts, retries, lanes, ...). */
  jobSettings?: Partial<JobsConfig>;
  /** Feature toggles made with defineToggle; stored with their defaults at start-up. */
  toggles?: readonly ToggleDefinition[];
  /** The `toggles.*` settings of the configuration (the tenant claim). */
  toggleSettings?: Partial<TogglesConfig>;
  /** Where FLUXBASE_* variables are read. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Relative paths (data dir, jobs folder, handlers module) resolve against it. @default process.cwd() */
  cwd?: string;
  logger?: Logger;
}

export interface TypedJobs<Jobs extends readonly AnyJobDefinition[]> {
  /**
   * Submits a job of one of the registered handlers as the service role (or for a user with
   * `onBehalfOf`). Pass `{ sql: tx }` to create it inside your own transaction.
   */
  enqueue<Name extends Jobs[number]["name"]>(
    name: Name,
    payload: PayloadOf<Jobs, Name>,
    options?: EnqueueOptions,
  ): Promise<EnqueuedJob>;
  /** Any job by name, handlers and sandboxed functions alike, checked at run time only. */
  enqueueAny(name: string, payload?: Record<string, unknown>, options?: EnqueueOptions): Promise<EnqueuedJob>;
}

export interface FluxbaseApp<Jobs extends readonly AnyJobDefinition[]> extends Omit<Fluxbase, "jobs"> {
  readonly jobs: TypedJobs<Jobs>;
  start(): Promise<StartedServer>;
}

export function createFluxbase<const Jobs extends readonly AnyJobDefinition[] = []>(
  options: CreateFluxbaseOptions<Jobs> = {},
): FluxbaseApp<Jobs> {
  const { jobs, jobSettings, toggles, toggleSettings, env, cwd, logger, ...settings } = options;
  const server = createServer({
    options: {
      ...settings,
      ...(jobSettings ? { jobs: jobSettings } : {}),
      ...(toggleSettings ? { toggles: toggleSettings } : {}),
    },
    env: env ?? process.env,
    cwd,
    logger,
    handlers: jobs ?? [],
    toggles: toggles ?? [],
  });
  const typed: TypedJobs<Jobs> = {
    enqueue: (name, payload, enqueueOptions) =>
      server.jobs.enqueue(name, payload as Record<string, unknown>, enqueueOptions),
    enqueueAny: (name, payload, enqueueOptions) => server.jobs.enqueue(name, payload, enqueueOptions),
  };
  return Object.create(server, { jobs: { value: typed, enumerable: true } }) as FluxbaseApp<Jobs>;
}
