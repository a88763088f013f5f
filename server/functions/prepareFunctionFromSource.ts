/**
 * Turns an uploaded function (the Admin API's `code` field) into the same shape a file in the
 * jobs folder becomes, so one sync writes both. An upload is a single file: relative imports are
 * refused; its `npm:`/`jsr:`/`https:` imports are pre-fetched like a file's.
 */
import path from "node:path";
import type { FluxbaseConfig } from "../config/types.ts";
import { bundleFunction } from "./bundleFunction.ts";
import { cacheRemoteImports } from "./cacheRemoteImports.ts";
import { checkImports } from "./importRules.ts";
import { parseAnnotations, validateSettings } from "./parseAnnotations.ts";
import { resolveFunctionSettings } from "./resolveFunctionSettings.ts";
import { DEFAULT_NAMESPACE, type FunctionSettings, type LoadedFunction } from "./types.ts";

export interface PrepareInput {
  name: string;
  /** Used when the code has no `@fluxbase:namespace`. @default "default" */
  namespace?: string;
  /** The function's source, as the author wrote it. */
  code: string;
  /** Fields the request sets explicitly; they win over the code's annotations. */
  overrides?: Partial<FunctionSettings>;
}

export interface PrepareContext {
  config: Pick<FluxbaseConfig, "dataDir" | "jobs">;
  /** Pre-fetch remote imports into `<dataDir>/deno`. @default true */
  cacheRemoteImports?: boolean;
}

export async function prepareFunctionFromSource(
  input: PrepareInput,
  ctx: PrepareContext,
): Promise<LoadedFunction> {
  const file = `${input.name}.ts`;
  const parsed = parseAnnotations(input.code, file);
  const overrides = definedOnly(input.overrides ?? {});
  // An explicit field that breaks the annotation rules is reported on line 0 (it is not in the file).
  const invalid = validateSettings(overrides);
  for (const { annotation, message } of invalid) {
    parsed.errors.push({ file, line: 0, message: `request field for @fluxbase:${annotation}: ${message}` });
  }
  const valid = Object.fromEntries(
    Object.entries(overrides).filter(([key]) => !invalid.some((p) => p.setting === key)),
  );
  const settings: FunctionSettings = { ...parsed.settings, ...valid };
  const bundle = await bundleFunction({ source: input.code, name: input.name });
  let { code, hash } = bundle;
  let bundleError = bundle.error ?? null;
  if (code !== null && bundle.remoteImports.length > 0) {
    const net = resolveFunctionSettings(settings, ctx.config.jobs).permissions.net;
    const check = await checkImports(bundle.remoteImports, net, ctx.config.jobs.importAllowPrivate);
    if (check.error) [code, hash, bundleError] = [null, null, `${file}: ${check.error}`];
    else if (ctx.cacheRemoteImports !== false) {
      const denoDir = path.join(ctx.config.dataDir, "deno");
      const { error } = await cacheRemoteImports(bundle.remoteImports, { denoDir, importHosts: check.hosts });
      if (error) [code, hash, bundleError] = [null, null, `${file}: ${error}`];
    }
  }
  return {
    name: input.name,
    namespace: settings.namespace ?? input.namespace ?? DEFAULT_NAMESPACE,
    source: input.code,
    code,
    codeHash: hash,
    bundleError,
    settings: resolveFunctionSettings(settings, ctx.config.jobs),
    annotationErrors: parsed.errors,
    sourcePath: null,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
