/**
 * Loads the trusted handlers the standalone server runs: the module named by FLUXBASE_HANDLERS
 * (default ./handlers/index.ts when it exists) exporting `defineJob(...)` results — a default
 * export that is an array (or one definition), and any named exports that are — and the feature
 * toggles it declares the same way (`defineToggle(...)`).
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { ConfigError } from "../errors.ts";
import { isToggleDefinition } from "../toggles/defineToggle.ts";
import type { ToggleDefinition } from "../toggles/types.ts";
import type { AnyJobDefinition } from "./types.ts";

export interface HandlersModule {
  jobs: AnyJobDefinition[];
  toggles: ToggleDefinition[];
}

export async function loadHandlersModule(file: string): Promise<HandlersModule> {
  if (!existsSync(file)) {
    throw new ConfigError(`FLUXBASE_HANDLERS names ${file}, which does not exist`);
  }
  let exports: Record<string, unknown>;
  try {
    exports = /\.[mc]?tsx?$/.test(file)
      ? await (await import("tsx/esm/api")).tsImport(pathToFileURL(file).href, import.meta.url)
      : await import(pathToFileURL(file).href);
  } catch (error) {
    throw new ConfigError(`Could not load the handlers module ${file}: ${(error as Error).message}`);
  }
  // A .ts file outside an ESM package is loaded as CommonJS: its exports arrive under `default`.
  const inner = exports.default;
  const wrapped = inner && typeof inner === "object" && !Array.isArray(inner) && !isDefinition(inner);
  const values = [...Object.values(exports), ...(wrapped ? Object.values(inner) : [])];
  const found = new Set<AnyJobDefinition>();
  const toggles = new Set<ToggleDefinition>();
  for (const value of values) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (isDefinition(item)) found.add(item);
      else if (isToggleDefinition(item)) toggles.add(item);
    }
  }
  if (found.size === 0 && toggles.size === 0) {
    throw new ConfigError(
      `The handlers module ${file} exports no trusted handlers: export an array of defineJob(...) as its default export`,
    );
  }
  return { jobs: [...found], toggles: [...toggles] };
}

function isDefinition(value: unknown): value is AnyJobDefinition {
  return !!value && typeof value === "object" && (value as { kind?: unknown }).kind === "handler";
}
