/**
 * Reads every function in the jobs folder: scan, read, parse annotations, bundle, apply defaults,
 * then pre-fetch all remote imports with one `deno cache`. A problem in one file is reported with
 * its file (and line) and never stops the others.
 */
import { readFile, realpath } from "node:fs/promises";
import { bundleFunction } from "./bundleFunction.ts";
import { cacheRemoteImports, type RemoteImport } from "./cacheRemoteImports.ts";
import { readImportMap } from "./importMap.ts";
import { checkImports } from "./importRules.ts";
import { insideFolder } from "./insideFolder.ts";
import { parseAnnotations } from "./parseAnnotations.ts";
import { resolveFunctionSettings, type SettingsDefaults } from "./resolveFunctionSettings.ts";
import { scanJobsDir } from "./scanJobsDir.ts";
import {
  DEFAULT_NAMESPACE,
  type FunctionProblem,
  type FunctionSettings,
  type LoadedFunction,
} from "./types.ts";

export interface LoadContext {
  /** The server's job defaults (`config.jobs`). */
  jobs: SettingsDefaults;
  /** Imports may reach loopback and private addresses (FLUXBASE_JOBS_IMPORT_ALLOW_PRIVATE). @default false */
  importAllowPrivate?: boolean;
  /** `DENO_DIR` to pre-fetch remote imports into (`<dataDir>/deno`); omitted: no pre-fetch. */
  denoDir?: string;
  /** Namespace of functions without `@fluxbase:namespace`. @default "default" */
  namespace?: string;
  /** @default true */
  sourcemap?: boolean;
}

export interface LoadResult {
  /** Sorted by name; functions whose bundle failed are included, with `code: null`. */
  functions: LoadedFunction[];
  /** Files that are not functions (bad name, duplicate, unreadable) and bad import maps. */
  problems: FunctionProblem[];
}

export async function loadFunctionsFromDir(dir: string, ctx: LoadContext): Promise<LoadResult> {
  const scan = await scanJobsDir(dir);
  const { map, problems: mapProblems } = await readImportMap(dir);
  const realDir = await realpath(dir).catch(() => dir);
  const problems = [...scan.problems, ...mapProblems];
  const remote = new Map<LoadedFunction, { imports: RemoteImport[]; hosts: string[] }>();

  const loaded = await Promise.all(
    scan.functions.map(async (entry): Promise<LoadedFunction | undefined> => {
      const realEntry = await realpath(entry.entryPath).catch(() => entry.entryPath);
      if (!insideFolder(realEntry, realDir)) {
        problems.push({
          file: entry.sourcePath,
          message: "is a link out of the jobs folder; it is not loaded (copy the file in instead)",
        });
        return undefined;
      }
      let source: string;
      try {
        source = await readFile(entry.entryPath, "utf8");
      } catch (error) {
        problems.push({ file: entry.sourcePath, message: `could not read: ${(error as Error).message}` });
        return undefined;
      }
      const { settings, errors, blocking } = parseAnnotations(source, entry.sourcePath);
      const clamp = timeoutClamp(settings, ctx.jobs, entry.sourcePath);
      if (clamp) problems.push(clamp);
      const bundle = await bundleFunction(
        { entryPath: entry.entryPath },
        { jobsDir: dir, importMap: map, sourcemap: ctx.sourcemap, confineTo: realDir },
      );
      const fn: LoadedFunction = {
        name: entry.name,
        namespace: settings.namespace ?? ctx.namespace ?? DEFAULT_NAMESPACE,
        source,
        code: bundle.code,
        codeHash: bundle.hash,
        bundleError: bundle.error ?? null,
        settings: resolveFunctionSettings(settings, ctx.jobs),
        annotationErrors: errors,
        sourcePath: entry.sourcePath,
      };
      // Like a failed bundle: never "ready" with a schedule that cannot fire; the last good version keeps running.
      if (blocking[0]) {
        const { file, line, message } = blocking[0];
        Object.assign(fn, { code: null, codeHash: null, bundleError: `${file}:${line}: ${message}` });
      }
      if (fn.code !== null && bundle.remoteImports.length > 0) {
        const check = await checkImports(
          bundle.remoteImports,
          fn.settings.permissions.net,
          ctx.importAllowPrivate ?? false,
        );
        if (check.error) {
          Object.assign(fn, {
            code: null,
            codeHash: null,
            bundleError: `${entry.sourcePath}: ${check.error}`,
          });
        } else remote.set(fn, { imports: bundle.remoteImports, hosts: check.hosts });
      }
      return fn;
    }),
  );
  const functions = loaded.filter((fn): fn is LoadedFunction => fn !== undefined);
  if (ctx.denoDir) await prefetch(remote, ctx.denoDir);
  return { functions, problems };
}

/** One `deno cache` for everything; when it fails, one per function, to blame the right ones. */
async function prefetch(
  remote: Map<LoadedFunction, { imports: RemoteImport[]; hosts: string[] }>,
  denoDir: string,
): Promise<void> {
  if (remote.size === 0) return;
  const entries = [...remote.values()];
  const all = await cacheRemoteImports(
    entries.flatMap((e) => e.imports),
    { denoDir, importHosts: entries.flatMap((e) => e.hosts) },
  );
  if (!all.error) return;
  for (const [fn, { imports, hosts }] of remote) {
    const { error } =
      remote.size === 1 ? all : await cacheRemoteImports(imports, { denoDir, importHosts: hosts });
    if (!error) continue;
    fn.code = null;
    fn.codeHash = null;
    fn.bundleError = `${fn.sourcePath ?? fn.name}: ${error}`;
  }
}

export function timeoutClamp(
  settings: FunctionSettings,
  jobs: SettingsDefaults,
  file: string,
): FunctionProblem | undefined {
  if (settings.timeout === undefined || settings.timeout <= jobs.maxTimeout) return undefined;
  const message = `@fluxbase:timeout ${settings.timeout} is above the server's maximum (FLUXBASE_JOBS_MAX_TIMEOUT=${jobs.maxTimeout}); ${jobs.maxTimeout} seconds apply`;
  return { file, message };
}
