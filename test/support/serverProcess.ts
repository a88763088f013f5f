/** Runs `fluxbase start` as a real child process, for crash, signal and multi-process tests. */
import { type ChildProcess, spawn } from "node:child_process";
import { fluxbaseArgs } from "./runCli.ts";
import { testJwtSecret } from "./server.ts";

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

export interface SpawnOptions {
  /** The node arguments that run `fluxbase` (default: the sources, through tsx). */
  command?: string[];
  cwd?: string;
}

export async function spawnServer(
  env: Record<string, string>,
  args: string[] = ["start"],
  options: SpawnOptions = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...(options.command ?? fluxbaseArgs), ...args], {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      FLUXBASE_PORT: "0",
      FLUXBASE_AUTH_JWT_SECRET: testJwtSecret,
      FLUXBASE_LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<number | string>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const check = () => {
      const match = /API URL:\s+(\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] === "-" ? "" : match[1]!);
      }
    };
    child.stdout!.on("data", check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`server exited during start-up:\n${output}`));
    });
  });
  return { child, url, output: () => output, exited };
}
