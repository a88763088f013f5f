/**
 * Bundles one job function with esbuild into a single ES module the sandbox can run without the
 * jobs folder: relative imports (including `../_shared/`) and import-map entries that point at
 * files are inlined; `npm:`, `jsr:`, `http(s):` and `node:` imports stay external for Deno.
 * Failures come back as a message with file:line, never as an exception.
 */
import { createHash } from "node:crypto";
import { realpath } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildFailure, build, type Message, type Plugin } from "esbuild";
import type { RemoteImport } from "./cacheRemoteImports.ts";
import { emptyImportMap, type ImportMap, resolveMapped } from "./importMap.ts";
import { insideFolder } from "./insideFolder.ts";

export type BundleInput =
  /** A file in the jobs folder. */
  | { entryPath: string }
  /** An upload: one file, so relative and absolute imports are refused. */
  | { source: string; name: string };

export interface BundleOptions {
  /** Paths in messages and in the bundle are relative to it. @default the entry's folder, else cwd */
  jobsDir?: string;
  /** @default no import map */
  importMap?: ImportMap;
  /** Append an inline source map (sources relative to the jobs folder, without their content). @default true */
  sourcemap?: boolean;
  /**
   * The jobs folder's real path: every bundled file must resolve inside it, so a link (or an
   * import) leading out of the folder cannot put another file, such as the server's secrets, into
   * the stored code. @default no check (uploads, which cannot import files)
   */
  confineTo?: string;
}

export interface BundleResult {
  /** Null when bundling failed. */
  code: string | null;
  /** sha256 (hex) of `code`; null when bundling failed. */
  hash: string | null;
  error?: string;
  /** External imports Deno must fetch before the bundle can run `--cached-only`. */
  remoteImports: RemoteImport[];
}

const REMOTE = /^(npm|jsr|https?):/;
const LOCAL = /^(\.{0,2}\/|file:)/;
const ENTRY_EXPORTS = ["handler", "default", "main"];

export async function bundleFunction(input: BundleInput, options: BundleOptions = {}): Promise<BundleResult> {
  const inline = "source" in input;
  const jobsDir = options.jobsDir ?? (inline ? process.cwd() : path.dirname(input.entryPath));
  const outfile = path.join(jobsDir, "bundle.js");
  const attributes = new Map<string, string>();
  try {
    const result = await build({
      ...(inline
        ? { stdin: { contents: input.source, loader: "ts", sourcefile: `${input.name}.ts` } }
        : { entryPoints: [input.entryPath] }),
      absWorkingDir: jobsDir,
      outfile,
      write: false,
      bundle: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      // Deno understands `with { type: "json" }`; without this, es2022 output silently drops it.
      supported: { "import-attributes": true },
      minify: false,
      charset: "utf8",
      sourcemap: options.sourcemap === false ? false : "inline",
      sourcesContent: false,
      metafile: true,
      logLevel: "silent",
      // Deno ignores tsconfig.json; so does the bundle (a repo's verbatimModuleSyntax would keep type imports).
      tsconfigRaw: { compilerOptions: {} },
      plugins: [denoResolver(options.importMap ?? emptyImportMap(), inline, attributes)],
    });
    if (options.confineTo) {
      const outside = await escapedInput(Object.keys(result.metafile.inputs), jobsDir, options.confineTo);
      if (outside) {
        const error = `${outside}: outside the jobs folder; a link or import leading out of it is not bundled`;
        return { code: null, hash: null, error, remoteImports: [] };
      }
    }
    const code = result.outputFiles[0]!.text;
    const output = Object.values(result.metafile.outputs)[0]!;
    // The sandbox runs `handler`, else a default export, else `main`; a module with none cannot run.
    if (!ENTRY_EXPORTS.some((name) => output.exports.includes(name))) {
      const file = inline ? `${input.name}.ts` : path.relative(jobsDir, input.entryPath);
      const found = output.exports.length ? output.exports.map((n) => `"${n}"`).join(", ") : "nothing";
      const error = `${file}: no exported handler; expected \`export async function handler(req, fluxbase, fluxbaseService, job)\` (or a default export, or main), found ${found}`;
      return { code: null, hash: null, error, remoteImports: [] };
    }
    const remoteImports = output.imports
      .filter((item) => item.external && REMOTE.test(item.path))
      .map((item) => {
        const type = attributes.get(item.path);
        return type ? { specifier: item.path, type } : { specifier: item.path };
      });
    const hash = createHash("sha256").update(code).digest("hex");
    return { code, hash, remoteImports };
  } catch (error) {
    return { code: null, hash: null, error: describeFailure(error), remoteImports: [] };
  }
}

/** Resolves imports the way Deno would for a job: import map first, URLs left to Deno. */
function denoResolver(importMap: ImportMap, inline: boolean, attributes: Map<string, string>): Plugin {
  const fail = (text: string) => ({ errors: [{ text }] });
  return {
    name: "fluxbase-deno-resolver",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === "entry-point") return undefined;
        const spec = args.path;
        const external = (specifier: string) => {
          if (args.with.type) attributes.set(specifier, args.with.type);
          return { path: specifier, external: true };
        };
        if (spec.startsWith("node:") || REMOTE.test(spec)) return external(spec);
        if (spec.startsWith("data:")) return undefined;
        if (LOCAL.test(spec)) {
          if (inline)
            return fail(
              `Cannot import "${spec}": an uploaded function is a single file (use npm:, jsr: or https: imports)`,
            );
          return spec.startsWith("file:") ? { path: fileURLToPath(spec) } : undefined;
        }
        if (/^[a-z][a-z0-9+.-]*:/i.test(spec)) return fail(`Cannot import "${spec}": unsupported scheme`);
        const target = resolveMapped(importMap, spec);
        if (target?.kind === "remote") return external(target.specifier);
        if (target && inline)
          return fail(`Cannot import "${spec}": it maps to a local file, and an upload is one file`);
        if (target) return { path: target.path };
        return fail(
          `Cannot resolve "${spec}": a bare import needs an entry in the jobs folder's deno.json "imports" (or use an npm:, jsr: or https: specifier)`,
        );
      });
    },
  };
}

/** The first bundled file (as esbuild names it) whose real path is not inside `folder`. */
async function escapedInput(
  inputs: string[],
  workingDir: string,
  folder: string,
): Promise<string | undefined> {
  for (const input of inputs) {
    if (input === "<stdin>" || input.startsWith("data:")) continue;
    const real = await realpath(path.resolve(workingDir, input)).catch(() => path.resolve(workingDir, input));
    if (!insideFolder(real, folder)) return input;
  }
  return undefined;
}

function describeFailure(error: unknown): string {
  const messages: Message[] = (error as BuildFailure).errors ?? [];
  if (messages.length === 0) return (error as Error).message ?? String(error);
  const lines = messages.slice(0, 10).map((m) => {
    const at = m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ` : "";
    return `${at}${m.text}`;
  });
  if (messages.length > 10) lines.push(`... and ${messages.length - 10} more errors`);
  return lines.join("\n");
}
