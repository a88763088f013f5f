/**
 * GET /examples/*: the runnable browser examples of docs/examples/browser, and the SDK bundled for
 * browsers at /examples/sdk.js. Served always and without auth: the files hold no secrets (a page
 * asks its user for a token). The SDK is bundled on the first request and kept in memory; example
 * files are read on each request, so an edit shows on reload.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Hono } from "hono";
import { notFound } from "../../errors.ts";
import type { AppEnv } from "../types.ts";

export interface ExamplesOptions {
  /** Folder holding one sub-folder per example. @default "<repo>/docs/examples/browser" */
  dir?: string;
  /** Entry point bundled into /examples/sdk.js. @default "<repo>/sdk/src/index.ts" */
  sdkEntry?: string;
}

const repoRoot = new URL("../../../", import.meta.url);
const defaults = {
  dir: fileURLToPath(new URL("docs/examples/browser/", repoRoot)),
  sdkEntry: fileURLToPath(new URL("sdk/src/index.ts", repoRoot)),
} satisfies ExamplesOptions;

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

// Pages take a token from their user (or from ?token=): no third-party code, no referrer.
const headers = {
  "Content-Security-Policy":
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; object-src 'none'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-cache",
};

// Names only: no dots but the extension's, no slashes, so a request can never leave the folder.
const exampleName = /^[a-z0-9][a-z0-9-]*$/;
const fileName = /^[a-z0-9][a-z0-9-]*\.(?:html|js|css)$/;

export function examplesRoutes(options: ExamplesOptions = {}) {
  const { dir, sdkEntry } = { ...defaults, ...options };
  let sdk: Promise<string> | undefined;
  const sdkBundle = () => {
    sdk ??= bundleForBrowsers(sdkEntry).catch((error: unknown) => {
      sdk = undefined; // the next request tries again
      throw error;
    });
    return sdk;
  };

  const serveFile = async (example: string, file: string) => {
    if (!exampleName.test(example) || !fileName.test(file)) {
      throw notFound("EXAMPLE_NOT_FOUND", `No example file ${example}/${file}`);
    }
    try {
      return {
        body: await readFile(path.join(dir, example, file), "utf8"),
        type: contentTypes[path.extname(file)]!,
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw notFound("EXAMPLE_NOT_FOUND", `No example file ${example}/${file}`);
      }
      throw error;
    }
  };

  return new Hono<AppEnv>()
    .get("/sdk.js", async (c) =>
      c.body(await sdkBundle(), 200, { ...headers, "Content-Type": contentTypes[".js"]! }),
    )
    .get("/:example", (c) => {
      const example = c.req.param("example");
      if (!exampleName.test(example)) throw notFound("EXAMPLE_NOT_FOUND", `No example ${example}`);
      return c.redirect(`${c.req.path}/`, 301);
    })
    .get("/:example/", async (c) => {
      const { body, type } = await serveFile(c.req.param("example"), "index.html");
      return c.body(body, 200, { ...headers, "Content-Type": type });
    })
    .get("/:example/:file", async (c) => {
      const { body, type } = await serveFile(c.req.param("example"), c.req.param("file"));
      return c.body(body, 200, { ...headers, "Content-Type": type });
    });
}

/** One ES module with the SDK and its dependencies (realtime-js, postgrest-js), for `<script type="module">`. */
async function bundleForBrowsers(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
    legalComments: "inline",
  });
  return result.outputFiles[0]!.text;
}
