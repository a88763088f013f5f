/**
 * Finds the job functions in the jobs folder: `name.ts|mts|js|mjs` files and `name/index.*`
 * folders. `_shared/` and other `_`- or `.`-prefixed entries, tests and declarations are skipped.
 */
import type { Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { FUNCTION_NAME_PATTERN, type FunctionProblem } from "./types.ts";

export interface ScannedFunction {
  name: string;
  /** Absolute path of the entry file. */
  entryPath: string;
  /** The entry relative to the jobs folder, with `/` separators. */
  sourcePath: string;
}

export interface ScanResult {
  /** Sorted by name. */
  functions: ScannedFunction[];
  problems: FunctionProblem[];
}

/** In order of precedence when two entries give the same name. */
const EXTENSIONS = [".ts", ".mts", ".js", ".mjs"];
const INDEX_FILES = EXTENSIONS.map((ext) => `index${ext}`);
const SKIPPED_FILE = /\.(test|spec|d)\.m?[jt]s$/;

export async function scanJobsDir(dir: string): Promise<ScanResult> {
  const problems: FunctionProblem[] = [];
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { functions: [], problems };
    throw error;
  }

  const candidates = new Map<string, { sourcePath: string; rank: number }[]>();
  for (const entry of entries) {
    if (entry.name.startsWith(".") || entry.name.startsWith("_") || entry.name === "node_modules") continue;
    const found = await candidateFor(dir, entry);
    if (!found) continue;
    if ("problem" in found) {
      problems.push({ file: entry.name, message: found.problem });
      continue;
    }
    if (!FUNCTION_NAME_PATTERN.test(found.name)) {
      const message = `${JSON.stringify(found.name)} is not a valid function name: expected letters, digits, "_" or "-", starting with a letter or digit, at most 128 characters`;
      problems.push({ file: found.sourcePath, message });
      continue;
    }
    const list = candidates.get(found.name) ?? [];
    list.push(found);
    candidates.set(found.name, list);
  }

  const functions: ScannedFunction[] = [];
  for (const [name, list] of candidates) {
    list.sort((a, b) => a.rank - b.rank);
    const [chosen, ...others] = list;
    functions.push({ name, entryPath: path.join(dir, chosen!.sourcePath), sourcePath: chosen!.sourcePath });
    for (const other of others) {
      const message = `function ${JSON.stringify(name)} is already defined by ${chosen!.sourcePath}; this file is ignored`;
      problems.push({ file: other.sourcePath, message });
    }
  }
  functions.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { functions, problems };
}

type Candidate = { name: string; sourcePath: string; rank: number } | { problem: string } | undefined;

async function candidateFor(dir: string, entry: Dirent): Promise<Candidate> {
  const full = path.join(dir, entry.name);
  const info = entry.isSymbolicLink() ? await stat(full).catch(() => undefined) : entry;
  if (!info) return undefined;
  if (info.isFile()) {
    const ext = path.extname(entry.name);
    if (!EXTENSIONS.includes(ext) || SKIPPED_FILE.test(entry.name)) return undefined;
    return { name: entry.name.slice(0, -ext.length), sourcePath: entry.name, rank: EXTENSIONS.indexOf(ext) };
  }
  if (!info.isDirectory()) return undefined;
  const inside = new Set(await readdir(full).catch(() => [] as string[]));
  const index = INDEX_FILES.find((file) => inside.has(file));
  if (!index) {
    return {
      problem: `folder has no ${INDEX_FILES.join(", ")}; it is not a function (shared code goes in _shared/)`,
    };
  }
  return { name: entry.name, sourcePath: `${entry.name}/${index}`, rank: EXTENSIONS.length };
}
