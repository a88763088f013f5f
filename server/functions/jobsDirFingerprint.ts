/**
 * A cheap summary of the jobs folder (every file's path, size, mtime and inode; dotfiles and
 * node_modules skipped), so the loader can tell whether anything changed between its last sync and
 * the moment its watcher became ready, a window no watcher can report.
 */
import { createHash } from "node:crypto";
import { lstat, readdir } from "node:fs/promises";
import path from "node:path";

export async function jobsDirFingerprint(dir: string): Promise<string> {
  const hash = createHash("sha256");
  const walk = async (folder: string, depth: number): Promise<void> => {
    const names = await readdir(folder).catch(() => [] as string[]);
    for (const name of names.sort()) {
      if (name.startsWith(".") || name === "node_modules") continue;
      const full = path.join(folder, name);
      const info = await lstat(full).catch(() => undefined);
      if (!info) continue;
      hash.update(`${path.relative(dir, full)}\0${info.size}\0${info.mtimeMs}\0${info.ino}\n`);
      if (info.isDirectory() && depth < 16) await walk(full, depth + 1);
    }
  };
  await walk(dir, 0);
  return hash.digest("hex");
}
