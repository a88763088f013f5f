/**
 * Web storage of runs. Deno keeps `localStorage` and the Cache API under DENO_DIR, keyed by the
 * `--location` origin (else by the main module, which is the same guest file for every run, so one
 * user's run could read what another's stored). Each run gets an origin of its own, and its
 * `localStorage` (capped by Deno at 10 MB) is removed when the run ends. The Cache API is off: a
 * file stands where its folder would be, so `caches.open()` fails in every run and in every Worker
 * a run starts, and no run can fill the disk through it.
 */
import { createHash, randomBytes } from "node:crypto";
import { lstat, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** A fresh origin for one run, e.g. `http://run-3f9a….fluxbase.invalid`. */
export function runOrigin(): string {
  return `http://run-${randomBytes(12).toString("hex")}.fluxbase.invalid`;
}

/** Deno's folder for an origin's localStorage: `location_data/<sha256 of the origin>`. */
function storageDir(denoDir: string, origin: string): string {
  return join(denoDir, "location_data", createHash("sha256").update(origin).digest("hex"));
}

export async function removeRunStorage(denoDir: string, origin: string): Promise<void> {
  await rm(storageDir(denoDir, origin), { recursive: true, force: true });
}

/** Puts a file where the Cache API keeps its data (removing what older versions stored there). */
export async function disableWebCache(denoDir: string): Promise<void> {
  const locationData = join(denoDir, "location_data");
  await mkdir(locationData, { recursive: true });
  const cache = join(locationData, "web_cache");
  const info = await lstat(cache).catch(() => undefined);
  if (info?.isFile()) return;
  if (info) await rm(cache, { recursive: true, force: true });
  await writeFile(cache, "The Cache API is off for jobs; see docs/security.md\n", { mode: 0o444 });
}
