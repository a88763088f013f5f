/**
 * A Postgres cluster of a test file's own, on a fixed port, that the test can stop and start again
 * (database outages) without touching the suite's shared cluster. Migrated once, like a fresh install.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createSql, type Sql } from "../../server/db/createSql.ts";
import { loadEmbeddedPostgres } from "../../server/db/embeddedPostgres.ts";
import { migrate } from "../../server/db/migrate.ts";

export interface OwnPostgres {
  url: string;
  /** A superuser pool for arranging and asserting; it reconnects by itself after a restart. */
  sql: Sql;
  /** Fast shutdown: every connection is cut, new ones are refused until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the cluster for good and removes its files. */
  destroy(): Promise<void>;
}

export async function startOwnPostgres({ maxConnections = 300 } = {}): Promise<OwnPostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), "fluxbase-ownpg-"));
  chmodSync(dir, 0o755); // as root, Postgres runs as the postgres user and must enter this folder
  const port = await freePort();
  const password = "own-postgres";
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, "data"),
    user: "postgres",
    password,
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--lc-messages=C", "--locale=C.UTF-8", "--encoding=UTF8"],
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      `max_connections=${maxConnections}`,
      "-c",
      "unix_socket_directories=",
    ],
    onLog: () => {},
  });
  await pg.initialise();
  await pg.start();
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  const migrator = createSql(url, { max: 1 });
  await migrate(migrator);
  await migrator.end();
  const sql = createSql(url, { max: 4 });
  let running = true;
  return {
    url,
    sql,
    async stop() {
      if (!running) return;
      running = false;
      await pg.stop();
    },
    async start() {
      if (running) return;
      await pg.start();
      running = true;
    },
    async destroy() {
      await sql.end({ timeout: 1 }).catch(() => {});
      if (running) await pg.stop();
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
