/** Whether `child` is `folder` or lies under it (both absolute, already resolved through links). */
import path from "node:path";

export function insideFolder(child: string, folder: string): boolean {
  const rel = path.relative(folder, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}
