/** Runs a bundle the way the sandbox will: real Deno, no config, nothing fetched (`--cached-only`). */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { resolveDenoPath } from "../../sandbox/index.ts";

/** Calls the bundle's `handler(new Request(url))` and returns what it resolved to. */
export async function runHandler(code: string, denoDir: string, url = "http://job.local/"): Promise<unknown> {
  const dir = await mkdtemp(path.join(tmpdir(), "fluxbase-run-"));
  try {
    await writeFile(path.join(dir, "bundle.mjs"), code);
    await writeFile(
      path.join(dir, "main.mjs"),
      `import { handler } from "./bundle.mjs";\nconsole.log(JSON.stringify(await handler(new Request(${JSON.stringify(url)}))));\n`,
    );
    const env = { DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", PATH: process.env.PATH };
    const args = ["run", "--no-config", "--no-lock", "--cached-only", path.join(dir, "main.mjs")];
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(resolveDenoPath(), args, { env, timeout: 30_000 }, (error, out, err) =>
        error ? reject(new Error(`deno failed: ${err || error.message}`)) : resolve(out),
      );
    });
    return JSON.parse(stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A tiny module host on 127.0.0.1: `files` maps URL paths to [content-type, body]. */
export async function serveModules(files: Record<string, [string, string]>) {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? "");
    const file = files[req.url ?? ""];
    if (!file) {
      res.statusCode = 404;
      res.end("not found");
      return;
    }
    res.setHeader("content-type", file[0]);
    res.end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
