/**
 * Pre-fetches a bundle's remote imports (`npm:`, `jsr:`, `https:`) into the Deno cache at load
 * time, by running the installed Deno's `deno cache` on a generated file that imports them, so
 * the sandbox can run jobs with `--cached-only` and never download anything mid-job.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { resolveDenoPath, withParentDeathSignal } from "../../sandbox/index.ts";

/** An import the bundle leaves to Deno; `type` is its import attribute (`with { type: "json" }`). */
export interface RemoteImport {
  specifier: string;
  type?: string;
}

export interface CacheOptions {
  /** `DENO_DIR`: `<dataDir>/deno`. */
  denoDir: string;
  /** @default 120000 */
  timeoutMs?: number;
  /** Hosts the imported modules may come from (`checkImports` gives them, registries included). */
  importHosts: string[];
}

/** Specifiers already cached by this process, per Deno dir: a resync does not run Deno again. */
const cached = new Map<string, Set<string>>();

/** Resolves with an error message (Deno's own words) when something could not be fetched; never throws. */
export async function cacheRemoteImports(
  imports: RemoteImport[],
  options: CacheOptions,
): Promise<{ error?: string }> {
  const done = existsSync(options.denoDir)
    ? (cached.get(options.denoDir) ?? new Set<string>())
    : new Set<string>();
  cached.set(options.denoDir, done);
  const todo = dedupe(imports).filter((item) => !done.has(key(item)));
  if (todo.length === 0) return {};

  const dir = path.join(options.denoDir, "prefetch");
  const file = path.join(dir, `${randomUUID()}.ts`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(file, todo.map(importLine).join("\n"));
    const allowImport = [...new Set(options.importHosts)].join(",");
    await runDeno(
      ["cache", "--no-config", "--no-lock", "--quiet", `--allow-import=${allowImport}`, file],
      options,
    );
    for (const item of todo) done.add(key(item));
    return {};
  } catch (error) {
    return {
      error: `could not fetch ${todo.map((i) => i.specifier).join(", ")}: ${(error as Error).message}`,
    };
  } finally {
    await rm(file, { force: true });
  }
}

function runDeno(args: string[], options: CacheOptions): Promise<void> {
  // The server's own proxy and certificate settings apply; nothing else of its environment is passed.
  const passed = [
    "PATH",
    "HOME",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
  ];
  const env: NodeJS.ProcessEnv = { DENO_DIR: options.denoDir, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" };
  for (const name of [...passed, "DENO_CERT", "DENO_AUTH_TOKENS", "NPM_CONFIG_REGISTRY", "SSL_CERT_FILE"]) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  // Like every run, this Deno dies with the server (kill -9 included) instead of outliving it.
  const [command, commandArgs] = withParentDeathSignal(resolveDenoPath(), args);
  return new Promise((resolve, reject) => {
    execFile(command, commandArgs, { env, timeout: options.timeoutMs ?? 120_000 }, (error, _out, stderr) => {
      if (!error) return resolve();
      // Deno's own words, without its backtrace or the generated file's location (which means nothing to a reader).
      const text = stderr
        .replace(/\n\s*Stack backtrace:[\s\S]*$/, "")
        .replace(/\n\s*at file:\S*\/prefetch\/\S*/g, "")
        .trim();
      reject(new Error(text || (error.killed ? "deno cache timed out" : error.message)));
    });
  });
}

const key = (item: RemoteImport) => `${item.type ?? ""} ${item.specifier}`;

function dedupe(imports: RemoteImport[]): RemoteImport[] {
  return [...new Map(imports.map((item) => [key(item), item])).values()];
}

function importLine(item: RemoteImport): string {
  const attributes = item.type ? ` with { type: ${JSON.stringify(item.type)} }` : "";
  return `import ${JSON.stringify(item.specifier)}${attributes};`;
}
