/**
 * The configuration a client (the CLI's commands that talk to a server) sees from wherever it runs:
 * with FLUXBASE_DATA_DIR or FLUXBASE_CONFIG set, the one they name; else the project of the nearest
 * folder upward that holds `.fluxbase/` or `fluxbase.yaml` (where `npm start` runs). Never creates
 * anything; undefined when there is no project.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { resolveConfig } from "./resolveConfig.ts";
import type { FluxbaseConfig } from "./types.ts";

export function findProjectConfig(env = process.env, cwd = process.cwd()): FluxbaseConfig | undefined {
  if (env.FLUXBASE_DATA_DIR || env.FLUXBASE_CONFIG) return resolveConfig({ env, cwd });
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, ".fluxbase")) || existsSync(path.join(dir, "fluxbase.yaml"))) {
      return resolveConfig({ env, cwd: dir });
    }
    if (dir === path.dirname(dir)) return undefined;
  }
}
