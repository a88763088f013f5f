/**
 * GET /: a small static page for whoever opens the server's URL in a browser, linking the admin
 * view, the browser examples and the documentation; GET /docs/<page>.md serves those pages as
 * plain text. Nothing on it depends on the caller (no keys, no data), names are checked against a
 * pattern before any file is read, and the headers forbid scripts altogether.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { html } from "hono/html";
import { notFound } from "../../errors.ts";
import type { AppEnv } from "../types.ts";

export interface HomeOptions {
  /** @default "<repo>/docs" */
  docsDir?: string;
  /** Folder of the browser examples, one sub-folder each. @default "<repo>/docs/examples/browser" */
  examplesDir?: string;
}

const repoRoot = new URL("../../../", import.meta.url);
const defaults = {
  docsDir: fileURLToPath(new URL("docs/", repoRoot)),
  examplesDir: fileURLToPath(new URL("docs/examples/browser/", repoRoot)),
} satisfies HomeOptions;

const headers = {
  "Content-Security-Policy":
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-cache",
};

const docName = /^[a-z0-9][a-z0-9-]*\.md$/;
const exampleName = /^[a-z0-9][a-z0-9-]*$/;

export function homeRoutes(options: HomeOptions = {}) {
  const { docsDir, examplesDir } = { ...defaults, ...options };
  return new Hono<AppEnv>()
    .get("/", async (c) => {
      const [docs, examples] = await Promise.all([listDocs(docsDir), listExamples(examplesDir)]);
      return c.html(page(docs, examples), 200, headers);
    })
    .get("/docs/:page", async (c) => {
      const name = c.req.param("page");
      const text = docName.test(name)
        ? await readFile(path.join(docsDir, name), "utf8").catch(() => undefined)
        : undefined;
      if (text === undefined) throw notFound("DOC_NOT_FOUND", `No documentation page ${name}`);
      return c.body(text, 200, { ...headers, "Content-Type": "text/plain; charset=utf-8" });
    });
}

/** Each page's file name and first heading, the README's order first. */
async function listDocs(dir: string): Promise<{ file: string; title: string }[]> {
  const order = [
    "getting-started.md",
    "job-functions.md",
    "http-api.md",
    "realtime.md",
    "configuration.md",
    "cli.md",
    "security.md",
    "operations.md",
  ];
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => docName.test(f));
  files.sort((a, b) => rank(order, a) - rank(order, b) || a.localeCompare(b));
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(path.join(dir, file), "utf8").catch(() => "");
      return { file, title: /^# (.+)$/m.exec(text)?.[1]?.trim() ?? file };
    }),
  );
}

async function listExamples(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isDirectory() && exampleName.test(entry.name))
    .map((entry) => entry.name)
    .sort((a, b) => (a === "admin" ? -1 : b === "admin" ? 1 : a.localeCompare(b)));
}

const rank = (order: string[], file: string) => (order.includes(file) ? order.indexOf(file) : order.length);

function page(docs: { file: string; title: string }[], examples: string[]) {
  const item = (href: string, text: string, note = "") =>
    html`<li><a href="${href}">${text}</a>${note ? ` — ${note}` : ""}</li>`;
  const others = examples.filter((name) => name !== "admin");
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fluxbase Jobs</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}</style>
</head>
<body>
<main>
<h1>Fluxbase Jobs</h1>
<p>This server runs background jobs: submit them over <code>/api/v1/jobs</code>, watch them over realtime
(<code>/realtime/v1/websocket</code>), read tables over <code>/rest/v1</code>. Its anon and service keys are
printed when it starts.</p>
<h2>Dashboard</h2>
<ul>${item(
    "/admin/",
    "Dashboard",
    "overview, jobs, functions, schedules, queues, workers, webhooks and storage; sign in with an admin's token or the service key",
  )}${
    examples.includes("admin")
      ? item(
          "/examples/admin/",
          "Admin view example",
          "a single page built on the SDK: statistics, workers and every user's jobs",
        )
      : html`<li>not available</li>`
  }</ul>
<h2>Examples</h2>
<ul>${others.map((name) => item(`/examples/${name}/`, name))}</ul>
<h2>Documentation</h2>
<ul>${docs.map((doc) => item(`/docs/${doc.file}`, doc.title))}</ul>
<p><a href="/health">Health</a></p>
</main>
</body>
</html>
`;
}
