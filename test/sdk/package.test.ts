/**
 * The SDK as users get it: `npm pack` in sdk/, installed from the tarball into a fresh project outside
 * the repository, then used by four consumers against a running server: plain Node 20 ESM, a strict
 * TypeScript project (NodeNext, no skipLibCheck), Deno, and a browser page bundled with esbuild and
 * served from another origin than the API (which only allows that origin).
 * The consumers' sources are in test/sdk/consumers/.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveDenoPath } from "../../sandbox/index.ts";
import { launchChromium } from "../support/chromium.ts";
import { insertFunction, startTestServer, type TestServer, type TestUser } from "../support/server.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const consumers = path.join(import.meta.dirname, "consumers");

const countSteps = `
export async function handler(_req, _fluxbase, _service, job) {
  const { steps } = job.getJobPayload();
  for (let i = 1; i <= steps; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    job.reportProgress(Math.round((i * 100) / steps), "step " + i + "/" + steps);
  }
  return { steps, user: job.getJobContext().user.id };
}`;

let project: string;
let tarball: string;
let statics: Server;
let pageOrigin: string;
let server: TestServer;
let user: TestUser;

/** Serves the bundled page (index.html + app.js) on its own port: another origin than the API. */
async function servePage(dir: string): Promise<Server> {
  const files: Record<string, [string, string]> = {
    "/": ["index.html", "text/html"],
    "/app.js": ["app.js", "text/javascript"],
  };
  const http = createServer((req, res) => {
    const file = files[new URL(req.url ?? "/", "http://x").pathname];
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": file[1] }).end(readFileSync(path.join(dir, file[0])));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return http;
}

beforeAll(async () => {
  project = mkdtempSync(path.join(tmpdir(), "fluxbase-sdk-consumer-"));
  // Packed once for the file; the suite's global setup has just built sdk/dist.
  const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", project], {
    cwd: path.join(root, "sdk"),
  });
  tarball = path.join(project, JSON.parse(stdout)[0].filename);
  for (const file of readdirSync(consumers))
    copyFileSync(path.join(consumers, file), path.join(project, file));
  writeFileSync(
    path.join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2),
  );
  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", tarball], {
    cwd: project,
    timeout: 180_000,
  });
  statics = await servePage(project);
  pageOrigin = `http://127.0.0.1:${(statics.address() as AddressInfo).port}`;
  server = await startTestServer({ workers: true, corsOrigins: [pageOrigin] });
  await insertFunction(server, { name: "count-steps", code: countSteps });
  user = await server.user();
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await new Promise((resolve) => statics?.close(resolve));
  if (project) rmSync(project, { recursive: true, force: true });
});

describe("the packed SDK", () => {
  it("is a package of built JavaScript, types, README and LICENSE", async () => {
    const { stdout } = await run("tar", ["-tzf", tarball]);
    const files = stdout.trim().split("\n").sort();
    expect(files).toEqual(
      expect.arrayContaining([
        "package/LICENSE",
        "package/README.md",
        "package/package.json",
        "package/dist/index.js",
        "package/dist/index.d.ts",
        "package/dist/job.d.ts",
      ]),
    );
    expect(
      files.filter(
        (file) => file.startsWith("package/src/") || (file.endsWith(".ts") && !file.endsWith(".d.ts")),
      ),
    ).toEqual([]);
    const manifest = JSON.parse(
      readFileSync(path.join(project, "node_modules/@fluxbase/sdk/package.json"), "utf8"),
    );
    expect(manifest).toMatchObject({
      license: "MIT",
      sideEffects: false,
      type: "module",
      exports: {
        ".": { types: "./dist/index.d.ts", import: "./dist/index.js", default: "./dist/index.js" },
      },
    });
  });

  it("plain Node 20 ESM: node index.mjs submits, follows progress over realtime, prints the result", async () => {
    const { stdout } = await run(process.execPath, ["index.mjs"], {
      cwd: project,
      env: { PATH: process.env.PATH, FLUXBASE_URL: server.url, FLUXBASE_KEY: user.token },
      timeout: 110_000,
    });
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toBe("submitted pending");
    expect(lines).toContainEqual(expect.stringMatching(/^update running (33|67)% step [12]\/3$/));
    expect(lines.at(-2)).toMatch(/^update completed 100% step 3\/3$/);
    expect(lines.at(-1)).toBe(`result {"user":"${user.id}","steps":3}`);
  }, 120_000);

  it("TypeScript (NodeNext, strict, no skipLibCheck) compiles the app and a job file with zero errors", async () => {
    const tsc = path.join(root, "node_modules/typescript/bin/tsc");
    const result = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: project }).catch(
      (error) => error,
    );
    expect(`${result.stdout}${result.stderr}`).toBe("");
    // And it does catch mistakes: a wrong option and an undeclared global are errors.
    writeFileSync(
      path.join(project, "wrong.ts"),
      'import { createClient } from "@fluxbase/sdk";\n' +
        'createClient("http://x", "k").jobs.submit("f", {}, { priority: "high" });\n' +
        "export const s: number = secrets.get('x');\n",
    );
    const wrong = await run(
      process.execPath,
      [tsc, "--noEmit", "--strict", "--module", "NodeNext", "wrong.ts"],
      {
        cwd: project,
      },
    ).catch((error) => error);
    expect(wrong.stdout).toMatch(/wrong\.ts\(2,\d+\): error TS2322/);
    expect(wrong.stdout).toMatch(/wrong\.ts\(3,\d+\): error TS2304: Cannot find name 'secrets'/);
  }, 180_000);

  it("Deno runs a script importing it through package.json and node_modules", async () => {
    const host = new URL(server.url).host;
    const { stdout, stderr } = await run(
      resolveDenoPath(),
      [
        "run",
        "--check",
        `--allow-net=${host}`,
        "--allow-env=FLUXBASE_URL,FLUXBASE_KEY",
        "--allow-read=.",
        "deno.ts",
      ],
      {
        cwd: project,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          DENO_NO_UPDATE_CHECK: "1",
          NO_COLOR: "1",
          FLUXBASE_URL: server.url,
          FLUXBASE_KEY: user.token,
        },
        timeout: 140_000,
      },
    );
    expect(stdout.trim(), stderr).toMatch(
      new RegExp(`^deno completed \\{"user":"${user.id}","steps":2\\} progress (50,)?100$`),
    );
  }, 150_000);

  describe("in Chromium, from a page on another origin", () => {
    let browser: Browser;
    beforeAll(async () => {
      const bundled = await build({
        entryPoints: [path.join(project, "browser.ts")],
        absWorkingDir: project,
        bundle: true,
        format: "esm",
        platform: "browser",
        target: "es2022",
        outfile: path.join(project, "app.js"),
        logLevel: "silent",
      });
      expect(bundled.errors).toEqual([]);
      writeFileSync(
        path.join(project, "index.html"),
        '<!doctype html><title>consumer</title><pre id="out"></pre><script type="module" src="/app.js"></script>',
      );
      browser = await launchChromium();
    }, 120_000);
    afterAll(() => browser?.close());

    async function openPage(origin: string) {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(error.message));
      await page.goto(
        `${origin}/#api=${encodeURIComponent(server.url)}&key=${encodeURIComponent(user.token)}`,
      );
      await page.waitForSelector("body[data-finished]", { timeout: 100_000 });
      const out = (await page.textContent("#out"))!.trim().split("\n");
      return { page, out, problems };
    }

    it("submits a job and watches it to the result over realtime", async () => {
      expect(pageOrigin).not.toBe(new URL(server.url).origin);
      const { page, out, problems } = await openPage(pageOrigin);
      expect(problems).toEqual([]);
      expect(out[0]).toBe("submitted pending");
      expect(out).toContainEqual(expect.stringMatching(/^progress (33|67) step [12]\/3$/));
      expect(out.at(-1)).toBe(`done completed {"user":"${user.id}","steps":3}`);
      await page.close();
    }, 120_000);

    it("a page on an origin the server does not allow is blocked, over HTTP and realtime", async () => {
      const blocked = pageOrigin.replace("127.0.0.1", "localhost");
      const { page, out } = await openPage(blocked);
      expect(out).toEqual(["error NETWORK_ERROR 0"]);
      const realtime = `${server.url.replace(/^http/, "ws")}/realtime/v1/websocket?vsn=1.0.0&apikey=${user.token}`;
      const opened = await page.evaluate(
        (url) =>
          new Promise<string>((resolve) => {
            const ws = new WebSocket(url);
            ws.onopen = () => resolve("open");
            ws.onerror = () => resolve("refused");
          }),
        realtime,
      );
      expect(opened).toBe("refused");
      await page.close();
    }, 120_000);
  });
});
