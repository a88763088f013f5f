/**
 * The jobs folder's import map: the `imports` of `import_map.json` and of `deno.json`/`deno.jsonc`
 * (whose `importMap` may point at another file), so bare specifiers resolve as they do under Deno.
 * Local targets become absolute paths; URL targets (`npm:`, `jsr:`, `https:`, ...) stay as written.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FunctionProblem } from "./types.ts";

export type MapTarget = { kind: "path"; path: string } | { kind: "remote"; specifier: string };

export interface ImportMap {
  imports: Map<string, MapTarget>;
}

export const emptyImportMap = (): ImportMap => ({ imports: new Map() });

/** Reads the maps of `jobsDir`; later sources win: import_map.json, deno.json's importMap, its imports. */
export async function readImportMap(
  jobsDir: string,
): Promise<{ map: ImportMap; problems: FunctionProblem[] }> {
  const map = emptyImportMap();
  const problems: FunctionProblem[] = [];
  const load = async (file: string, optional: boolean) => {
    try {
      return JSON.parse(stripJsonComments(await readFile(file, "utf8"))) as Record<string, unknown>;
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      if (!missing || !optional)
        problems.push({ file: path.relative(jobsDir, file), message: describe(error) });
      return undefined;
    }
  };
  const add = (json: Record<string, unknown> | undefined, file: string) => {
    const imports = json?.imports;
    if (imports === undefined) return;
    if (typeof imports !== "object" || imports === null || Array.isArray(imports)) {
      problems.push({ file: path.relative(jobsDir, file), message: '"imports" must be an object' });
      return;
    }
    for (const [key, value] of Object.entries(imports)) {
      const target = typeof value === "string" ? toTarget(value, path.dirname(file)) : undefined;
      if (target) map.imports.set(key, target);
      else {
        const message = `"imports"."${key}": expected a relative path or a URL (npm:, jsr:, https:), got ${JSON.stringify(value)}`;
        problems.push({ file: path.relative(jobsDir, file), message });
      }
    }
  };

  const standalone = path.join(jobsDir, "import_map.json");
  add(await load(standalone, true), standalone);
  let denoFile = path.join(jobsDir, "deno.json");
  let deno = await load(denoFile, true);
  if (!deno) {
    denoFile = path.join(jobsDir, "deno.jsonc");
    deno = await load(denoFile, true);
  }
  if (typeof deno?.importMap === "string") {
    const referenced = path.resolve(jobsDir, deno.importMap);
    if (referenced !== standalone) add(await load(referenced, false), referenced);
  }
  add(deno, denoFile);
  return { map, problems };
}

/** What a bare specifier maps to, or undefined when the map does not mention it. */
export function resolveMapped(map: ImportMap, specifier: string): MapTarget | undefined {
  const exact = map.imports.get(specifier);
  if (exact) return exact;
  let best: { key: string; prefix: string; target: MapTarget } | undefined;
  for (const [key, target] of map.imports) {
    // "lib/" maps a prefix; like Deno, "pkg": "npm:pkg@1" also serves "pkg/sub" as "npm:pkg@1/sub".
    const implicit = target.kind === "remote" && /^(npm|jsr):/.test(target.specifier);
    const prefix = key.endsWith("/") ? key : implicit ? `${key}/` : undefined;
    if (prefix && specifier.startsWith(prefix) && (!best || prefix.length > best.prefix.length)) {
      best = { key, prefix, target };
    }
  }
  if (!best) return undefined;
  const rest = specifier.slice(best.prefix.length);
  const { target } = best;
  if (target.kind === "path") return { kind: "path", path: path.join(target.path, rest) };
  const separator = best.key.endsWith("/") ? "" : "/";
  return { kind: "remote", specifier: `${target.specifier}${separator}${rest}` };
}

function toTarget(value: string, baseDir: string): MapTarget | undefined {
  if (/^\.{0,2}\//.test(value)) return { kind: "path", path: path.resolve(baseDir, value) };
  if (value.startsWith("file:")) return { kind: "path", path: fileURLToPath(value) };
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) return { kind: "remote", specifier: value };
  return undefined;
}

/** JSONC to JSON: drops comments and trailing commas, leaving strings alone. */
export function stripJsonComments(text: string): string {
  return text.replace(
    /("(?:\\.|[^"\\])*")|\/\/[^\n]*|\/\*[\s\S]*?\*\/|,(?=\s*[}\]])/g,
    (_m, str) => str ?? "",
  );
}

const describe = (error: unknown) =>
  error instanceof SyntaxError ? `invalid JSON: ${error.message}` : (error as Error).message;
