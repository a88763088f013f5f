/**
 * The composition root: resolves config, brings up the database (embedded or external), migrates,
 * and wires HTTP, realtime, the functions loader and the worker pool. start() and stop() are
 * idempotent and own every socket, timer and child process the server creates.
 */

import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createSandbox } from "../sandbox/index.ts";
import { type AiService, createAiService } from "./ai/aiService.ts";
import type { CreateFluxbaseInput, Fluxbase, StartedServer } from "./appTypes.ts";
import { createJobLeaseCheck } from "./auth/jobLeaseCheck.ts";
import { ensureSecret } from "./auth/jwtSecret.ts";
import { projectKeys } from "./auth/mintToken.ts";
import { createTokenVerifier, type TokenVerifier } from "./auth/verifyToken.ts";
import { allowsOrigin } from "./config/corsOrigins.ts";
import { resolveConfig } from "./config/resolveConfig.ts";
import { dashboardRoutes } from "./dashboard/dashboardRoutes.ts";
import { migrateApp } from "./db/appMigrations.ts";
import { createSql, type Sql } from "./db/createSql.ts";
import { databaseAddresses } from "./db/databaseAddresses.ts";
import { type EmbeddedDatabase, startEmbeddedPostgres } from "./db/embeddedPostgres.ts";
import { migrate } from "./db/migrate.ts";
import { pingDatabase } from "./db/pingDatabase.ts";
import { waitForDatabase } from "./db/waitForDatabase.ts";
import { asService } from "./db/withClaims.ts";
import { createFunctionsLoader } from "./functions/functionsLoader.ts";
import { scanJobsDir } from "./functions/scanJobsDir.ts";
import { createEnqueue } from "./handlers/enqueueJob.ts";
import { createHandlerExecutor } from "./handlers/handlerExecutor.ts";
import { createHandlerRegistry, type HandlerRegistry } from "./handlers/handlerRegistry.ts";
import { loadHandlersModule } from "./handlers/loadHandlersModule.ts";
import { syncHandlers } from "./handlers/syncHandlers.ts";
import type { HandlerJobs } from "./handlers/types.ts";
import { createHttpApp } from "./http/app.ts";
import { listenError } from "./http/listenError.ts";
import { examplesRoutes } from "./http/routes/examples.ts";
import { createLogger } from "./log.ts";
import { createMetrics } from "./metrics/metrics.ts";
import { createMailer } from "./notify/mailer.ts";
import { createNotifier } from "./notify/notifier.ts";
import { type WebhookKeys, webhookKeys } from "./notify/webhookKeys.ts";
import { leaseHeld } from "./queue/leaseHeld.ts";
import { queueCounts } from "./queue/queueCounts.ts";
import { createRealtimeServer } from "./realtime/index.ts";
import { restRoutes } from "./rest/restRoutes.ts";
import { createScheduler } from "./schedules/scheduler.ts";
import { keyringFor } from "./secrets/encryptionKey.ts";
import { createStorage } from "./storage/storage.ts";
import { declaredToggles } from "./toggles/declaredToggles.ts";
import { syncToggles } from "./toggles/syncToggles.ts";
import { trackToggleStore } from "./toggles/testHelpers.ts";
import { createToggleStore, type ToggleStore } from "./toggles/toggleStore.ts";
import { createLaneWatch } from "./worker/laneWatch.ts";
import { createLeaseReaper } from "./worker/leaseReaper.ts";
import { createRetentionSweeper } from "./worker/retentionSweeper.ts";
import { createSandboxExecutor } from "./worker/sandboxExecutor.ts";
import { createWorkerPool, type PoolShape } from "./worker/workerPool.ts";

export type { AppToggles, CreateFluxbaseInput, Fluxbase, StartedServer } from "./appTypes.ts";

type Closer = () => Promise<void> | void;

export function createFluxbase(input: CreateFluxbaseInput = {}): Fluxbase {
  const config = resolveConfig({ options: input.options, env: input.env, cwd: input.cwd });
  const logger = input.logger ?? createLogger(config.logLevel, "fluxbase", { format: config.logFormat });
  const closers: Closer[] = [];
  const metrics = createMetrics();
  let starting: Promise<StartedServer> | undefined;
  let stopping: Promise<void> | undefined;
  let ready = false;
  let sql: Sql | undefined;
  let verifyToken: TokenVerifier | undefined;
  let enqueue: HandlerJobs["enqueue"] | undefined;
  let toggles: ToggleStore | undefined;

  async function boot(): Promise<StartedServer> {
    keyringFor(config); // reads or generates the secrets key; a bad FLUXBASE_ENCRYPTION_KEY stops here
    const keys = webhookKeys(config.notify.webhookPrivateKey, config.dataDir);
    if (!config.notify.smtpUrl)
      logger.info(
        "mail is off (FLUXBASE_SMTP_URL is not set): submits with notify: true are refused and scheduled-run alerts are not sent",
      );
    let databaseUrl = config.databaseUrl;
    let embeddedDatabase: StartedServer["embeddedDatabase"];
    if (!databaseUrl) {
      const embedded: EmbeddedDatabase = await startEmbeddedPostgres(
        config.dataDir,
        logger.child("postgres"),
      );
      closers.push(() => embedded.stop());
      databaseUrl = embedded.url;
      embeddedDatabase = { dir: embedded.dir, relocatedBecause: embedded.relocatedBecause };
    } else {
      await waitForDatabase(databaseUrl, { waitMs: config.databaseWait, logger });
    }
    const db = createSql(databaseUrl, { max: 20 });
    sql = db;
    closers.push(() => db.end({ timeout: 5 }));
    metrics.observeQueue(() => asService(db, queueCounts));
    const applied = await migrate(db);
    if (applied.length > 0) logger.info("migrations applied", { applied });
    const appApplied = await migrateApp(db, config.appMigrationsDir);
    if (appApplied.length > 0) logger.info("app migrations applied", { applied: appApplied });

    const jwtSecret = ensureSecret(config.jwtSecret, config.dataDir, "jwt_secret");
    const apiKeys = await projectKeys(jwtSecret);
    verifyToken = createTokenVerifier(
      jwtSecret,
      createJobLeaseCheck((jobId, lease) => leaseHeld(db, jobId, lease)),
    );
    const handlersModule = config.handlersModule
      ? await loadHandlersModule(config.handlersModule)
      : { jobs: [], toggles: [] };
    const registry = createHandlerRegistry([...(input.handlers ?? []), ...handlersModule.jobs]);
    const declared = declaredToggles([...(input.toggles ?? []), ...handlersModule.toggles]);
    await syncToggles(db, declared, config.toggles.tenantClaim);
    const toggleStore = createToggleStore({ sql: db, declared, logger: logger.child("toggles") });
    toggles = toggleStore;
    closers.push(() => toggleStore.close());
    await toggleStore.start();
    closers.push(trackToggleStore(toggleStore));
    const ai = createAiService({
      sql: db,
      config: config.ai,
      keyring: keyringFor(config),
      logger: logger.child("ai"),
      metrics,
    });
    if (config.jobs.enabled) {
      await syncHandlers(db, registry, config.jobs, (await scanJobsDir(config.jobs.dir)).functions);
    }
    enqueue = createEnqueue(db, registry, config.notify);

    let url = "";
    if (config.role !== "worker") {
      const httpDeps = {
        sql: db,
        config,
        verifyToken,
        logger: logger.child("http"),
        isReady: () => ready,
        pingDatabase: (timeoutMs: number) => pingDatabase(db, timeoutMs),
        metrics,
        webhookPublicKey: keys.publicKeyPem,
        handlers: registry,
        toggles: toggleStore,
        ai,
        storage: createStorage({ sql: db, jwtSecret, logger: logger.child("storage"), ...config.storage }),
      };
      const app = createHttpApp(httpDeps, {
        mount: (http) => {
          http.route("/rest/v1", restRoutes(httpDeps));
          http.route("/examples", examplesRoutes());
          http.route("/", dashboardRoutes({ host: config.host, ...config.admin }));
        },
      });
      const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host });
      await new Promise<void>((resolve, reject) => {
        server.once("listening", resolve);
        server.once("error", (error) => reject(listenError(error, config)));
      });
      closers.push(
        () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      );
      // Closed before the HTTP server and the pool (closers run in reverse): sockets first, then LISTEN.
      const realtime = createRealtimeServer({
        server,
        sql: db,
        verifyToken,
        logger: logger.child("realtime"),
        allowOrigin: (origin) => allowsOrigin(config.corsOrigins, origin),
        options: config.realtime,
      });
      closers.push(() => realtime.close());
      metrics.observeRealtime(() => {
        const stats = realtime.stats();
        return { connections: stats.connections, subscriptions: stats.channels };
      });
      const { port } = server.address() as AddressInfo;
      url =
        config.publicUrl || `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
    }
    if (config.jobs.enabled)
      await startJobs(db, databaseUrl, jwtSecret, url, keys, registry, toggleStore, ai);
    ready = true;
    return { url, databaseUrl, embeddedDatabase, ...apiKeys };
  }

  /** Where jobs of a worker-only process find the API (for their `fluxbase` clients). */
  function workerServerUrl(): string {
    if (config.publicUrl) return config.publicUrl;
    const guess = `http://${config.host}:${config.port}`;
    logger.warn(
      `FLUXBASE_PUBLIC_URL is not set; jobs will reach the API at ${guess}. Set it to the API server's URL.`,
    );
    return guess;
  }

  /**
   * The functions loader (API side), and the worker pools of this process's lanes: the worker
   * lane in processes with workers, the api lane in processes with the HTTP API.
   */
  async function startJobs(
    db: Sql,
    databaseUrl: string,
    jwtSecret: string,
    url: string,
    keys: WebhookKeys,
    registry: HandlerRegistry,
    toggleStore: ToggleStore,
    ai: AiService,
  ): Promise<void> {
    if (config.role !== "worker" && config.jobs.autoLoadOnBoot) {
      const loader = createFunctionsLoader({ sql: db, config, logger });
      closers.push(() => loader.close());
      await loader.loadAll();
      if (config.jobs.watch) loader.startWatching();
    }
    const handlerKeys = registry.keys;
    const shapes: PoolShape[] = [];
    if (config.role !== "api" && config.jobs.embeddedWorkerCount > 0) {
      const { embeddedWorkerCount: count, maxConcurrentPerWorker: perWorker } = config.jobs;
      shapes.push({ count, perWorker, filter: { lane: "worker", handlerKeys } });
    }
    if (config.role !== "worker" && config.jobs.apiLaneConcurrency > 0) {
      shapes.push({
        count: 1,
        perWorker: config.jobs.apiLaneConcurrency,
        filter: { lane: "api", handlerKeys },
      });
    }
    const workerSql = createSql(databaseUrl, {
      max: shapes.length > 0 ? shapes.reduce((sum, shape) => sum + shape.count, 0) + 4 : 2,
      role: "service_role",
    });
    closers.push(() => workerSql.end({ timeout: 5 }));
    // Lease renewal and recovery get a connection of their own: a burst of run writes queued on the
    // workers' pool must never delay a heartbeat past the lease and cost a live run its job.
    const leaseSql = createSql(databaseUrl, { max: 1, role: "service_role" });
    closers.push(() => leaseSql.end({ timeout: 5 }));
    // Every process recovers expired leases, so a lone API process still rescues a dead worker's runs.
    const retentionSql = createSql(databaseUrl, { max: 1, role: "service_role" });
    closers.push(() => retentionSql.end({ timeout: 5 }));
    const sweeper = createRetentionSweeper(retentionSql, config.jobs, logger.child("retention"));
    closers.push(() => sweeper.stop());
    sweeper.start();
    const reaper = createLeaseReaper(leaseSql, config.jobs, logger.child("recovery"));
    closers.push(() => reaper.stop());
    reaper.start();
    if (!shapes.some((shape) => shape.filter.lane === "worker")) {
      const watch = createLaneWatch(db, config.jobs, logger.child("lanes"));
      closers.push(() => watch.stop());
      watch.start();
    }
    if (shapes.length === 0) return;
    const sandbox = createSandbox({ dataDir: config.dataDir, logger: logger.child("sandbox") });
    closers.push(() => sandbox.close());
    await sandbox.prepare();
    metrics.observeWarmProcesses(() => sandbox.warmProcesses());
    const serverUrl = url || workerServerUrl();
    const slots = shapes.reduce((sum, shape) => sum + shape.count * shape.perWorker, 0);
    const sandboxed = createSandboxExecutor({
      sql: workerSql,
      sandbox,
      jobs: config.jobs,
      logger: logger.child("worker"),
      serverUrl,
      jwtSecret,
      tenantClaim: config.toggles.tenantClaim,
      deniedNet: databaseAddresses(databaseUrl),
      processEnv: process.env,
      keyring: keyringFor(config),
    });
    let handler: ReturnType<typeof createHandlerExecutor> | undefined;
    if (handlerKeys.length > 0) {
      // Handlers get their own pool, so a handler holding connections never starves lease writes.
      const handlerSql = createSql(databaseUrl, { max: Math.min(slots + 2, 50), role: "service_role" });
      closers.push(() => handlerSql.end({ timeout: 5 }));
      handler = createHandlerExecutor({
        sql: handlerSql,
        registry,
        jobs: config.jobs,
        logger: logger.child("handlers"),
        enqueue: createEnqueue(handlerSql, registry, config.notify),
        toggles: toggleStore,
        tenantClaim: config.toggles.tenantClaim,
        ai,
      });
    }
    for (const shape of shapes) {
      const pool = createWorkerPool(
        {
          sql: workerSql,
          jobs: config.jobs,
          logger: logger.child("worker"),
          executors: { sandboxed, handler },
          leaseSql,
          listenSql: db,
          metrics,
        },
        shape,
      );
      closers.push(() => pool.stop());
      metrics.observeSlots(() => ({
        busy: pool.workers.reduce((n, worker) => n + worker.runs.size, 0),
        total: pool.workers.reduce((n, worker) => n + worker.capacity, 0),
      }));
      await pool.start();
    }
    if (!shapes.some((shape) => shape.filter.lane === "worker")) return;
    // Its own connections: a slow receiver holding deliveries open never takes a worker's connection.
    const notifySql = createSql(databaseUrl, { max: 4, role: "service_role" });
    closers.push(() => notifySql.end({ timeout: 5 }));
    const notifier = createNotifier({
      sql: notifySql,
      config: config.notify,
      keys,
      mailer: config.notify.smtpUrl ? createMailer(config.notify.smtpUrl, config.notify.mailFrom) : undefined,
      adminUrl: `${serverUrl}/examples/admin/`,
      pollInterval: config.jobs.pollInterval,
      logger: logger.child("notify"),
      metrics,
    });
    closers.push(() => notifier.stop());
    notifier.start();
    const scheduler = createScheduler(workerSql, logger.child("scheduler"));
    closers.push(() => scheduler.stop());
    scheduler.start();
  }

  return {
    config,
    logger,
    metrics,
    get sql() {
      if (!sql) throw new Error("Fluxbase is not started");
      return sql;
    },
    get verifyToken() {
      if (!verifyToken) throw new Error("Fluxbase is not started");
      return verifyToken;
    },
    toggles: {
      isOn(id, tenant) {
        if (!toggles) return Promise.reject(new Error("Fluxbase is not started: call start() first"));
        return toggles.isOn(id, tenant ?? null);
      },
    },
    jobs: {
      enqueue(name, payload, options) {
        if (!enqueue) return Promise.reject(new Error("Fluxbase is not started: call start() first"));
        return enqueue(name, payload, options);
      },
    },
    start() {
      starting ??= boot().catch(async (error) => {
        await runClosers();
        throw error;
      });
      return starting;
    },
    stop() {
      stopping ??= (async () => {
        ready = false;
        await starting?.catch(() => {});
        await runClosers();
      })();
      return stopping;
    },
  };

  async function runClosers(): Promise<void> {
    while (closers.length > 0) {
      const close = closers.pop()!;
      try {
        await close();
      } catch (error) {
        logger.warn("error while stopping", { error: (error as Error).message });
      }
    }
  }
}
