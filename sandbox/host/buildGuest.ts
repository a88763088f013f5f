/**
 * Bundles the Deno guest (both modes, with the SDK inlined) into plain ESM files under the data dir.
 * The directory is named after the bundle's content hash, so it is written once per guest version,
 * shared by concurrent servers, and each run loads files V8 has already cached. realtime-js is
 * replaced by a stub (guest/realtimeStub.ts): jobs do not subscribe, and every run parses the bundle.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

export interface GuestBundle {
  dir: string;
  /** Main-isolate mode: `deno run`'s main module, and the job runs in it (no read permission needed). */
  inlinePath: string;
  /** Worker mode: the supervisor, `deno run`'s main module. */
  supervisorPath: string;
  /** Worker mode: the job Worker's module; each run gets read permission for exactly this file. */
  workerPath: string;
  /** Warm mode: `deno run`'s main module of a process that serves many runs (main isolate). */
  warmPath: string;
}

const ENTRIES = ["inline", "supervisor", "worker", "warm"] as const;

const guestDir = fileURLToPath(new URL("../guest/", import.meta.url));
export const defaultSdkEntry = fileURLToPath(new URL("../../sdk/src/index.ts", import.meta.url));

export async function buildGuest(outRoot: string, sdkEntry = defaultSdkEntry): Promise<GuestBundle> {
  if (!existsSync(sdkEntry)) {
    throw new Error(`The guest bundles the SDK as @fluxbase/sdk, but ${sdkEntry} does not exist`);
  }
  const result = await build({
    entryPoints: Object.fromEntries(ENTRIES.map((name) => [name, join(guestDir, `${name}.ts`)])),
    bundle: true,
    write: false,
    format: "esm",
    // Deno is a browser-like runtime: the SDK's dependencies pick their fetch/WebSocket builds.
    platform: "browser",
    target: "es2022",
    outdir: "/guest",
    entryNames: "[name]",
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: "none",
    logLevel: "silent",
    plugins: [guestAliases(sdkEntry)],
  });
  const files = new Map(result.outputFiles.map((f) => [f.path.split("/").pop()!, f.contents]));
  const hash = createHash("sha256");
  for (const name of ENTRIES) hash.update(name).update(files.get(`${name}.js`)!);
  const dir = join(outRoot, hash.digest("hex").slice(0, 16));

  if (!existsSync(join(dir, "warm.js"))) {
    // Written to a private directory and renamed into place, so a reader never sees half a bundle.
    const temp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    await mkdir(temp, { recursive: true });
    for (const [name, contents] of files) await writeFile(join(temp, name), contents);
    try {
      await rename(temp, dir);
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      if (!existsSync(join(dir, "warm.js"))) throw error;
    }
  }
  return {
    dir,
    inlinePath: join(dir, "inline.js"),
    supervisorPath: join(dir, "supervisor.js"),
    workerPath: join(dir, "worker.js"),
    warmPath: join(dir, "warm.js"),
  };
}

function guestAliases(sdkEntry: string): Plugin {
  return {
    name: "fluxbase-guest",
    setup(b) {
      b.onResolve({ filter: /^@fluxbase\/sdk$/ }, () => ({ path: sdkEntry }));
      b.onResolve({ filter: /^@supabase\/realtime-js$/ }, () => ({
        path: join(guestDir, "realtimeStub.ts"),
      }));
    },
  };
}
