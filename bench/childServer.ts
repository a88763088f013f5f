/**
 * A bench server in a child process, so the load a bench generates (HTTP clients, WebSocket
 * subscribers) does not share the server's event loop, as it would not in a deployment.
 */
import { fork } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { FluxbaseOptions } from "../server/config/types.ts";
import { startBenchServer } from "./benchServer.ts";

export interface ChildServerSpec {
  /** File names in the jobs folder and their source. */
  jobs?: Record<string, string>;
  /** JSON-serialisable server options (set `jwtSecret` to mint tokens in the bench). */
  options: FluxbaseOptions;
}

export interface ChildServer {
  url: string;
  databaseUrl: string;
  serviceKey: string;
  stop(): Promise<void>;
}

/** Starts this file as a child serving `spec`; resolves once it listens. */
export function startChildServer(spec: ChildServerSpec): Promise<ChildServer> {
  const child = fork(fileURLToPath(import.meta.url), ["--serve"], {
    execArgv: process.execArgv,
    env: { ...process.env, BENCH_CHILD_SERVER: JSON.stringify(spec) },
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the bench server exited with ${code}`)));
    child.once("message", (started: Omit<ChildServer, "stop">) => {
      child.removeAllListeners("exit");
      resolve({
        ...started,
        stop: () =>
          new Promise<void>((done) => {
            child.once("exit", () => done());
            child.send("stop");
          }),
      });
    });
  });
}

async function serve(): Promise<void> {
  const spec = JSON.parse(process.env.BENCH_CHILD_SERVER!) as ChildServerSpec;
  const server = await startBenchServer(spec.jobs ?? {}, spec.options);
  process.send!({ url: server.url, databaseUrl: server.databaseUrl, serviceKey: server.serviceKey });
  process.once("message", async () => {
    await server.stop();
    process.exit(0);
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href && process.argv.includes("--serve")) {
  await serve();
}
