/**
 * Starts a real Fluxbase server for a test file: its own database, a random port on loopback, a known
 * JWT secret, and helpers to mint tokens and call the API.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createFluxbase, type Fluxbase } from "../../server/app.ts";
import { mintToken } from "../../server/auth/mintToken.ts";
import type { FluxbaseOptions } from "../../server/config/types.ts";
import type { AnyJobDefinition } from "../../server/handlers/types.ts";
import { createLogger, type Logger, type LogLevel } from "../../server/log.ts";
import type { ToggleDefinition } from "../../server/toggles/types.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";

export const testJwtSecret = "test-secret-test-secret-test-secret-0123456789";

export interface TestUser {
  id: string;
  email: string;
  role: string;
  token: string;
}

export interface TestServer {
  url: string;
  anonKey: string;
  serviceKey: string;
  db: TestDatabase;
  fluxbase: Fluxbase;
  dataDir: string;
  /** Mints a token with the given claims, signed with the server's secret. */
  token(claims: {
    role: string;
    sub?: string;
    email?: string;
    expiresIn?: number | string;
    claims?: Record<string, unknown>;
  }): Promise<string>;
  /** A new user with a fresh uuid and a token. */
  user(role?: string): Promise<TestUser>;
  /** fetch against the server with a token (omit for no auth). */
  request(
    method: string,
    route: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  stop(): Promise<void>;
}

export interface TestServerOptions extends Omit<FluxbaseOptions, "toggles"> {
  /** Default: no workers, so jobs stay where the test puts them. */
  workers?: boolean;
  /** Where the server logs. @default stderr, at TEST_LOG_LEVEL (error) */
  logger?: Logger;
  /** Trusted handlers (defineJob) the server runs. */
  handlers?: readonly AnyJobDefinition[];
  /** Feature toggles (defineToggle) the server's code declares. */
  toggles?: readonly ToggleDefinition[];
  /** The `toggles.*` settings (the tenant claim). */
  toggleSettings?: FluxbaseOptions["toggles"];
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const db = await createTestDatabase();
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), "fluxbase-data-"));
  const jobsDir = options.jobs?.dir ?? mkdtempSync(path.join(tmpdir(), "fluxbase-jobs-"));
  const { workers, handlers, toggles, toggleSettings, ...rest } = options;
  const fluxbase = createFluxbase({
    env: {},
    options: {
      ...rest,
      ...(toggleSettings ? { toggles: toggleSettings } : {}),
      port: 0,
      host: "127.0.0.1",
      databaseUrl: db.url,
      jwtSecret: testJwtSecret,
      dataDir,
      jobs: {
        embeddedWorkerCount: workers ? 1 : 0,
        // Api-lane jobs only run where a test asks for them, so worker counts stay what tests expect.
        apiLaneConcurrency: 0,
        pollInterval: 200,
        shutdownTimeout: 2000,
        ...options.jobs,
        dir: jobsDir,
      },
    },
    logger: options.logger ?? createLogger((process.env.TEST_LOG_LEVEL as LogLevel) ?? "error"),
    handlers,
    toggles,
  });
  const started = await fluxbase.start();
  const token: TestServer["token"] = (claims) =>
    mintToken(testJwtSecret, { ...claims, expiresIn: claims.expiresIn ?? "1h" });
  return {
    url: started.url,
    anonKey: started.anonKey,
    serviceKey: started.serviceKey,
    db,
    fluxbase,
    dataDir,
    token,
    async user(role = "authenticated") {
      const id = randomUUID();
      const email = `${id.slice(0, 8)}@example.test`;
      return { id, email, role, token: await token({ role, sub: id, email }) };
    },
    request(method, route, { token: bearer, body, headers = {} } = {}) {
      return fetch(`${started.url}${route}`, {
        method,
        headers: {
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
    },
    async stop() {
      await fluxbase.stop();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
      if (!options.jobs?.dir) rmSync(jobsDir, { recursive: true, force: true });
    },
  };
}

export interface FunctionFixture {
  name: string;
  namespace?: string;
  /** ESM JavaScript the sandbox runs as is (already "bundled"). */
  code?: string;
  enabled?: boolean;
  require_roles?: string[];
  max_retries?: number;
  timeout_seconds?: number;
  progress_timeout_seconds?: number;
  memory_mb?: number;
  permissions?: { net?: boolean | string[]; env?: string[]; read?: string[]; write?: string[] };
}

/** Inserts a job function row directly (tests that do not exercise the loader). */
export async function insertFunction(server: TestServer, fn: FunctionFixture): Promise<string> {
  const code = fn.code ?? "export function handler() { return 1 }";
  const [row] = await server.db.sql<{ id: string }[]>`
    insert into jobs.functions (name, namespace, source, code, code_hash, enabled, require_roles, max_retries,
      timeout_seconds, progress_timeout_seconds, memory_mb, permissions)
    values (${fn.name}, ${fn.namespace ?? "default"}, ${code}, ${code}, ${createHash("sha256").update(code).digest("hex")},
      ${fn.enabled ?? true}, ${fn.require_roles ?? []}, ${fn.max_retries ?? 3}, ${fn.timeout_seconds ?? 30},
      ${fn.progress_timeout_seconds ?? 30}, ${fn.memory_mb ?? 128}, ${server.db.sql.json((fn.permissions ?? {}) as never)})
    returning id`;
  return row!.id;
}

/** Polls a job (as superuser) until `until` holds or the time runs out; returns the last row. */
export async function waitForJob(
  server: TestServer,
  id: string,
  until: (job: Record<string, any>) => boolean = (job) =>
    ["completed", "failed", "cancelled"].includes(job.status),
  timeoutMs = 20_000,
): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [job] = await server.db.sql`select * from jobs.queue where id = ${id}`;
    if (job && until(job)) return job;
    if (Date.now() > deadline)
      throw new Error(`job ${id} did not reach the expected state; last: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function jobLogLines(
  server: TestServer,
  id: string,
): Promise<{ level: string; message: string }[]> {
  return server.db.sql<{ level: string; message: string }[]>`
    select level, message from jobs.logs where job_id = ${id} order by line_number`;
}
