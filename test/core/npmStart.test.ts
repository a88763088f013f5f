/**
 * `npm start` the way a person or a process manager runs it: from an app cloned into a folder the
 * `postgres` user cannot enter (as root, the embedded cluster and its binaries then live where it
 * can, and the banner says where), and stopped with SIGTERM sent to the npm process, or with Ctrl-C
 * in a terminal (SIGINT to npm, the server and its helpers at once, as one process group): either
 * way it must drain the running job and take the server and its Postgres down with it.
 */
import { execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { mintToken } from "../../server/auth/mintToken.ts";
import { alive, descendants } from "../support/processes.ts";
import { testJwtSecret } from "../support/server.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const isRoot = process.getuid?.() === 0;
const scratch = mkdtempSync(path.join(tmpdir(), "fluxbase-npm-start-"));
const relocatedDirs: string[] = [];
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  for (const dir of relocatedDirs) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the app (hard links where the file system allows: quick, and nothing is written through them). */
function cloneApp(into: string): string {
  const app = path.join(into, "app");
  mkdirSync(app, { recursive: true });
  for (const entry of [
    "package.json",
    "cli",
    "server",
    "sandbox",
    "sdk",
    "migrations",
    "jobs",
    "deno.json",
    "node_modules",
    "dist", // the built CLI and server that `npm start` runs
  ]) {
    try {
      execFileSync("cp", ["-al", path.join(root, entry), path.join(app, entry)]);
    } catch {
      cpSync(path.join(root, entry), path.join(app, entry), { recursive: true, verbatimSymlinks: true });
    }
  }
  return app;
}

describe("npm start", { timeout: 120_000 }, () => {
  it.each([
    ["npm gets SIGTERM", "SIGTERM", false],
    ["Ctrl-C sends SIGINT to its whole process group", "SIGINT", true],
  ] as const)("runs from a private folder and stops gracefully when %s", async (_how, signal, group) => {
    const home = path.join(scratch, `home-${signal}`);
    mkdirSync(home);
    chmodSync(home, 0o700); // like /root
    const app = cloneApp(home);
    const dataDir = path.join(app, ".fluxbase");
    writeFileSync(
      path.join(app, "jobs", "slow-drain.ts"),
      "export default async () => { await new Promise((r) => setTimeout(r, 3000)); return 'drained'; };\n",
    );
    const child = spawn("npm", ["start", "--silent"], {
      cwd: app,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        FLUXBASE_PORT: "0",
        FLUXBASE_DATA_DIR: dataDir,
        FLUXBASE_AUTH_JWT_SECRET: testJwtSecret,
        FLUXBASE_JOBS_EMBEDDED_WORKER_COUNT: "1",
        // Each run's end (outcome, attempt) is then in the output a failure prints.
        FLUXBASE_LOG_LEVEL: "debug",
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: group, // a process group of its own, as a terminal's foreground job has
    });
    let relocated: string | undefined;
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    const exited = new Promise<number | string>((resolve) =>
      child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)),
    );
    try {
      for (let i = 0; i < 900 && !/API URL:\s+http/.test(output) && child.exitCode === null; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const url = /API URL:\s+(\S+)/.exec(output)?.[1];
      expect(url, output).toMatch(/^http/);
      if (isRoot) {
        const banner = /database dir: (\S+) \(the postgres user cannot enter (\S+)\)/.exec(output);
        expect(banner, output).not.toBeNull();
        expect(banner![2]).toBe(dataDir);
        expect(banner![1]).toMatch(/^\/var\/lib\/fluxbase\/[0-9a-f]{16}\/postgres$/);
        relocated = path.dirname(banner![1]!);
        relocatedDirs.push(relocated);
        expect(readFileSync(path.join(relocated, "DATA_DIR"), "utf8").trim()).toBe(dataDir);
      }
      expect((await fetch(`${url}/health`)).status).toBe(200);

      // The server is npm's child (the start script execs node), Postgres is the server's child.
      const [server] = descendants(child.pid!);
      expect(server).toBeGreaterThan(0);
      const postmaster = Number(
        readFileSync(path.join(relocated ?? dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0],
      );
      expect(alive(postmaster)).toBe(true);

      // A job is running when the signal comes: the drain waits for it and says so.
      const token = await mintToken(testJwtSecret, {
        role: "authenticated",
        sub: randomUUID(),
        expiresIn: "1h",
      });
      const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
      const submitted = await fetch(`${url}/api/v1/jobs/submit`, {
        method: "POST",
        headers,
        body: JSON.stringify({ job_name: "slow-drain" }),
      });
      expect(submitted.status).toBe(201);
      const { id } = await submitted.json();
      for (let i = 0; i < 200; i++) {
        const job = await (await fetch(`${url}/api/v1/jobs/${id}`, { headers })).json();
        if (job.status === "running") break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }

      if (group) process.kill(-child.pid!, signal);
      else child.kill(signal);
      // The job as the draining server still answers for it: shown if the drain found no run to wait for.
      const during = await fetch(`${url}/api/v1/jobs/${id}`, { headers })
        .then((response) => response.json())
        .catch((error: Error) => ({ unanswered: error.message }));
      expect(await exited, output).toBe(0);
      expect(output).toContain(`received ${signal}, shutting down`);
      expect(output, JSON.stringify(during)).toContain(`draining: waiting for 1 running job to finish`);
      expect(output).toContain(`slow-drain ${id}`);
      expect(output).not.toContain("shutdown timeout reached");
      // Nothing the job and the server need was stopped under them: no warning, no error.
      expect(output).not.toMatch(/ (WARN|ERROR) /);
      expect(output).toMatch(/INFO .*stopped/);
      for (let i = 0; i < 100 && (alive(server!) || alive(postmaster)); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(alive(server!)).toBe(false);
      expect(alive(postmaster)).toBe(false);
      expect(existsSync(path.join(dataDir, "postgres.owner"))).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
