/** Runs the `fluxbase` command the way a person would, in its own process, against a test server. */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { testJwtSecret } from "./server.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

/**
 * `node <fluxbaseArgs> ...` runs the `fluxbase` command from its TypeScript sources (through tsx), so
 * tests need no build; test/cli/build.test.ts runs the built one.
 */
export const fluxbaseArgs = [
  "--import",
  // By URL, so the command also runs from folders outside the repository, as a user's would.
  pathToFileURL(path.join(root, "node_modules/tsx/dist/loader.mjs")).href,
  path.join(root, "cli/main.ts"),
];

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliTarget {
  url: string;
  /** FLUXBASE_DATA_DIR of the CLI process (it derives the service key from the test JWT secret). */
  dataDir: string;
}

/** The test process's FLUXBASE_* variables are not inherited: only what the target and `env` say. */
export function runCli(
  target: CliTarget,
  args: string[],
  options: { env?: Record<string, string>; stdin?: string; command?: string[]; cwd?: string } = {},
): Promise<CliRun> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("FLUXBASE_")),
  );
  const child = spawn(process.execPath, [...(options.command ?? fluxbaseArgs), ...args], {
    cwd: options.cwd ?? root,
    env: {
      ...inherited,
      FLUXBASE_URL: target.url,
      FLUXBASE_AUTH_JWT_SECRET: testJwtSecret,
      FLUXBASE_DATA_DIR: target.dataDir,
      ...options.env,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  child.stdin.end(options.stdin ?? "");
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}
