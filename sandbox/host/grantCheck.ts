/**
 * Deno checks file permissions on the path a job names, not on where it leads: a granted folder
 * holding a symlink into the data dir (or a grant that is itself such a link) would hand the job
 * the JWT secret although the data dir is denied. Before a run with file grants, this resolves each
 * granted path and walks the granted folders for links, and names the first one that leads into a
 * protected folder or to a folder holding one. Folders are walked without following links, up to
 * `maxEntries` entries in all (a larger tree is checked that far, and the log says so).
 */
import { readdir, realpath } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";

export interface GrantCheck {
  /** Why the grants are unsafe, or null. */
  problem: string | null;
  /** True when a granted folder had more entries than were walked. */
  truncated: boolean;
}

/** A path as the job's author wrote it: relative to the working directory when it is under it. */
const shown = (full: string, cwd: string) => {
  const rel = relative(cwd, full);
  return rel && !rel.startsWith("..") ? rel : full;
};

const inside = (child: string, parent: string) =>
  child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);

/** Whether reaching `target` (a real path) would let a path under it reach a protected folder. */
function leadsIntoProtected(target: string, protectedReal: string[]): string | undefined {
  return protectedReal.find((dir) => inside(target, dir) || inside(dir, target));
}

export async function checkGrants(
  granted: string[],
  protectedReal: string[],
  cwd: string,
  maxEntries = 10_000,
): Promise<GrantCheck> {
  let budget = maxEntries;
  let truncated = false;
  for (const raw of granted) {
    const path = isAbsolute(raw) ? raw : resolve(cwd, raw);
    const real = await realpath(path).catch(() => undefined);
    if (real === undefined) continue; // Missing: Deno finds nothing there either.
    // A grant that is (or passes through) a link: the protected folder has another name under it.
    if (real !== path && leadsIntoProtected(real, protectedReal)) {
      return { problem: `${raw} leads to ${real}, inside or above the server's data dir`, truncated };
    }
    const stack = [path];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (--budget < 0) {
          truncated = true;
          return { problem: null, truncated };
        }
        const full = join(dir, entry.name);
        if (entry.isSymbolicLink()) {
          const target = await realpath(full).catch(() => undefined);
          const hit = target && leadsIntoProtected(target, protectedReal);
          if (hit) {
            return {
              problem: `${shown(full, cwd)} is a link to ${target}, inside or above the server's data dir`,
              truncated,
            };
          }
        } else if (entry.isDirectory() && !protectedReal.some((p) => inside(full, p))) {
          stack.push(full);
        }
      }
    }
  }
  return { problem: null, truncated };
}

/** The data dir under every name it has: as given and as resolved through links. */
export async function protectedNames(dirs: string[]): Promise<string[]> {
  const names = new Set<string>();
  for (const dir of dirs) {
    names.add(resolve(dir));
    const real = await realpath(dir).catch(() => undefined);
    if (real) names.add(real);
  }
  return [...names];
}
