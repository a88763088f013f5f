/**
 * Start-up problems an operator can fix end in one line naming the setting and what to do, with no
 * stack: a wrong database password, a database that never comes up, an HTTP port in use, a typo in
 * fluxbase.yaml. A database that comes up while the server waits is simply used.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { testJwtSecret } from "../support/server.ts";

const bin = fileURLToPath(new URL("../../cli/bin.mjs", import.meta.url));
const scratch = mkdtempSync(path.join(tmpdir(), "fluxbase-startup-"));
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
  rmSync(scratch, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  output: () => string;
  stderr: () => string;
  exited: Promise<number | string>;
}

function start(env: Record<string, string>, cwd = scratch, command = "start"): Run {
  const child = spawn(process.execPath, [bin, command], {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      FLUXBASE_PORT: "0",
      FLUXBASE_AUTH_JWT_SECRET: testJwtSecret,
      FLUXBASE_DATA_DIR: mkdtempSync(path.join(scratch, "data-")),
      FLUXBASE_JOBS_ENABLED: "false",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr!.on("data", (chunk) => {
    output += chunk;
    stderr += chunk;
  });
  const exited = new Promise<number | string>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return { child, output: () => output, stderr: () => stderr, exited };
}

/** The last line on stderr, which must be the only `fluxbase:` line, and no stack anywhere. */
async function failure(run: Run): Promise<string> {
  expect(await run.exited).toBe(1);
  const lines = run.stderr().trim().split("\n");
  expect(run.output()).not.toMatch(/^\s+at /m);
  expect(lines.filter((line) => line.startsWith("fluxbase:"))).toHaveLength(1);
  return lines.at(-1)!;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const withPassword = (url: string, password: string) => {
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
};

describe("start-up errors", { timeout: 60_000 }, () => {
  it("a wrong database password: one line naming FLUXBASE_DATABASE_URL, at once", async () => {
    const run = start({ FLUXBASE_DATABASE_URL: withPassword(db.url, "not-the-password") });
    const line = await failure(run);
    const { port } = new URL(db.url);
    expect(line).toBe(
      `fluxbase: The database at 127.0.0.1:${port} refused user "postgres" (password authentication failed for user "postgres" [28P01]). Fix the user and password in FLUXBASE_DATABASE_URL.`,
    );
    expect(run.output()).not.toContain("not-the-password");
    expect(run.output()).not.toContain("waiting for the database");
  });

  it("a database that never comes up: waits FLUXBASE_DATABASE_WAIT, says so, then one line", async () => {
    const port = await freePort();
    const run = start({
      FLUXBASE_DATABASE_URL: `postgres://postgres:pw@127.0.0.1:${port}/postgres`,
      FLUXBASE_DATABASE_WAIT: "1500ms",
    });
    const line = await failure(run);
    expect(run.output()).toContain(`waiting for the database at 127.0.0.1:${port} (up to 1500 ms)`);
    expect(line).toMatch(
      new RegExp(
        `^fluxbase: Could not reach the database at 127\\.0\\.0\\.1:${port} \\(FLUXBASE_DATABASE_URL\\) within 1500 ms: .*ECONNREFUSED.*\\. Start it, or fix FLUXBASE_DATABASE_URL; FLUXBASE_DATABASE_WAIT sets how long start-up waits\\.$`,
      ),
    );
  });

  it("fluxbase migrate waits the same way and ends in the same line", async () => {
    const port = await freePort();
    const run = start(
      {
        FLUXBASE_DATABASE_URL: `postgres://postgres:pw@127.0.0.1:${port}/postgres`,
        FLUXBASE_DATABASE_WAIT: "500ms",
      },
      scratch,
      "migrate",
    );
    expect(await failure(run)).toMatch(
      new RegExp(
        `^fluxbase: Could not reach the database at 127\\.0\\.0\\.1:${port} \\(FLUXBASE_DATABASE_URL\\) within 500 ms`,
      ),
    );
  });

  it("a database that comes up during the wait is used", async () => {
    const port = await freePort();
    const run = start({
      FLUXBASE_DATABASE_URL: `postgres://${new URL(db.url).username}:${new URL(db.url).password}@127.0.0.1:${port}${new URL(db.url).pathname}`,
      FLUXBASE_DATABASE_WAIT: "60s",
    });
    const target = Number(new URL(db.url).port);
    for (let i = 0; i < 300 && !run.output().includes("waiting for the database"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(run.output()).toContain(`waiting for the database at 127.0.0.1:${port} (up to 60 s)`);
    // The database "comes up": a proxy to the suite's Postgres starts listening on the awaited port.
    const proxy = net.createServer((client) => {
      const upstream = net.connect(target, "127.0.0.1");
      client.pipe(upstream).pipe(client);
      for (const socket of [client, upstream]) socket.on("error", () => {});
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(port, "127.0.0.1", resolve));
    try {
      for (let i = 0; i < 300 && !/API URL:\s+http/.test(run.output()); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(run.output()).toContain(`the database at 127.0.0.1:${port} is up`);
      expect(run.output()).toMatch(/API URL:\s+http/);
      run.child.kill("SIGTERM");
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill("SIGKILL");
      proxy.close();
    }
  });

  it("an HTTP port in use: one line naming FLUXBASE_PORT", async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const { port } = holder.address() as net.AddressInfo;
    try {
      const run = start({ FLUXBASE_DATABASE_URL: db.url, FLUXBASE_PORT: String(port) });
      expect(await failure(run)).toBe(
        `fluxbase: Port ${port} on 127.0.0.1 is already in use (FLUXBASE_PORT). Stop the process that holds it, or set FLUXBASE_PORT (server.port in fluxbase.yaml) to a free port.`,
      );
    } finally {
      holder.close();
    }
  });

  it("an embedded cluster that cannot start: its output in the log, then one line naming the folder", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-broken-"));
    try {
      chmodSync(dataDir, 0o755); // reachable by the postgres user, so the cluster stays here
      mkdirSync(path.join(dataDir, "postgres"));
      writeFileSync(path.join(dataDir, "postgres", "PG_VERSION"), "17\n"); // a cluster with nothing else
      const run = start({ FLUXBASE_DATA_DIR: dataDir });
      const line = await failure(run);
      const pgDir = path.join(dataDir, "postgres");
      expect(line).toMatch(
        new RegExp(
          `^fluxbase: The embedded PostgreSQL could not start in ${pgDir}: .*postgresql\\.conf.*\\. Fix or move that folder away .*FLUXBASE_DATABASE_URL to use another PostgreSQL\\.$`,
        ),
      );
      expect(run.output()).toContain("embedded Postgres output:");
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("a typo in fluxbase.yaml: one line with a did-you-mean", async () => {
    const cwd = mkdtempSync(path.join(scratch, "app-"));
    writeFileSync(path.join(cwd, "fluxbase.yaml"), "server:\n  prot: 9000\n");
    const line = await failure(start({ FLUXBASE_DATABASE_URL: db.url }, cwd));
    expect(line).toBe(
      `fluxbase: Unknown key server.prot in ${path.join(cwd, "fluxbase.yaml")}: did you mean server.port?`,
    );
  });
});
