/**
 * Shared by the docs tests: the pages' fenced blocks, and a real server with docs/examples/jobs loaded
 * on which the examples run as a reader would run them.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect } from "vitest";
import { startTestServer, type TestServer, type TestUser, waitForJob } from "../support/server.ts";

export const root = fileURLToPath(new URL("../../", import.meta.url));
export const docsDir = path.join(root, "docs");
export const examplesDir = path.join(docsDir, "examples");
export const jobsDir = path.join(examplesDir, "jobs");

export interface Block {
  page: string;
  line: number;
  lang: string;
  body: string;
}

/** Fenced blocks of a markdown file given relative to the root (indented fences too, unindented). */
export function fencedBlocks(page: string): Block[] {
  const lines = readFileSync(path.join(root, page), "utf8").split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang] = open as unknown as [string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && lines[j]!.trim() !== fence; j++) body.push(lines[j]!.slice(indent.length));
    blocks.push({ page, line: i + 1, lang, body: body.join("\n") });
    i = j;
  }
  return blocks;
}

export const pages = readdirSync(docsDir).filter(
  (name) => name.endsWith(".md") && name !== "CONTRIBUTING.md",
);
/** The user docs: every page, the README and the SDK's README. */
export const userDocs = [...pages.map((page) => `docs/${page}`), "README.md", "sdk/README.md"];
export const blocks = userDocs.flatMap(fencedBlocks);
export const quoteOf = (block: Block) =>
  /^(?:\/\/|#|--)\s*(docs\/examples\/\S+)\s*$/.exec(block.body.split("\n")[0]!)?.[1];

export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

// Variables the sandbox-tour example reads: what the server's environment holds.
// Variables the sandbox-tour example reads: what the server's environment holds.
process.env.FLUXBASE_GREETING = "hi";
process.env.FLUXBASE_SMTP_PASSWORD = "hunter22";
process.env.APP_REGION = "eu-west-1";
process.env.APP_SECRET_TOKEN = "tok_123456";

export interface DocsServer {
  server: TestServer;
  ada: TestUser;
}

/** Starts the docs server for the calling test file (before all its tests) and stops it after. */
export function useDocsServer(): DocsServer {
  const docs = {} as DocsServer;
  beforeAll(async () => {
    docs.server = await startTestServer({ workers: true, jobs: { dir: jobsDir, watch: false } });
    // The table the REST examples use, created the way the pages say: by running the SQL file.
    await docs.server.db.sql.unsafe(readFileSync(path.join(examplesDir, "app-notes.sql"), "utf8"));
    docs.ada = await docs.server.user();
  }, 120_000);
  afterAll(() => docs.server?.stop());
  return docs;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `docs/examples/<name>.ts` as a reader would, with the server's URL and a key in the environment. */
export function runExample(docs: DocsServer, name: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(examplesDir, `${name}.ts`)], {
      cwd: root,
      env: {
        ...process.env,
        FLUXBASE_URL: docs.server.url,
        FLUXBASE_KEY: docs.ada.token,
        FLUXBASE_SERVICE_KEY: docs.server.serviceKey,
        FLUXBASE_ANON_KEY: docs.server.anonKey,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name}.ts did not exit within 80 s\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, 80_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function expectRuns(
  docs: DocsServer,
  name: string,
  env?: Record<string, string>,
): Promise<string> {
  const run = await runExample(docs, name, env);
  expect(run.code, `${name}.ts exited with ${run.code}\n${run.stdout}\n${run.stderr}`).toBe(0);
  return run.stdout;
}

export async function submit(
  docs: DocsServer,
  token: string,
  body: Record<string, unknown>,
): Promise<string> {
  const res = await docs.server.request("POST", "/api/v1/jobs/submit", { token, body });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()).id;
}

export const run = async (
  docs: DocsServer,
  jobName: string,
  payload: Record<string, unknown> = {},
  token = docs.ada.token,
) => waitForJob(docs.server, await submit(docs, token, { job_name: jobName, payload }), undefined, 30_000);

export interface Curl {
  where: string;
  method: string;
  route: string;
  headers: Record<string, string>;
  body?: string;
}

/** The curl commands of the pages, continuation lines joined, `$VARIABLES` left in place. */
export function curlCommands(): Curl[] {
  const commands: Curl[] = [];
  for (const block of blocks) {
    if (!["sh", "bash", "shell"].includes(block.lang)) continue;
    const text = block.body.replace(/\\\n\s*/g, " ");
    for (const line of text.split("\n")) {
      const at = line.indexOf("curl ");
      if (at === -1 || line.trimStart().startsWith("#")) continue;
      const command = line.slice(at);
      const url = /"\$FLUXBASE_URL([^"]*)"/.exec(command)?.[1];
      if (url === undefined)
        throw new Error(`${block.page}:${block.line}: curl without "$FLUXBASE_URL/...": ${line}`);
      const body = /(?:-d|--data) '([^']*)'/.exec(command)?.[1];
      const method = /-X (\w+)/.exec(command)?.[1] ?? (body === undefined ? "GET" : "POST");
      const headers: Record<string, string> = {};
      for (const [, name, value] of command.matchAll(/-H "([^:]+): ([^"]*)"/g)) headers[name!] = value!;
      commands.push({ where: `${block.page}:${block.line}`, method, route: url, headers, body });
    }
  }
  return commands;
}
