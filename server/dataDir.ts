/** Small files the server keeps in its data dir (generated secrets, the embedded database password). */
import { randomUUID } from "node:crypto";
import { existsSync, linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";

/**
 * Reads a file's trimmed contents, or writes `make()` there (mode 0600) and returns it. Processes
 * starting together on one data dir agree on one value: the file appears whole (written aside, then
 * linked into place), and the one that loses the race reads the winner's.
 */
export function readOrCreate(file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const value = make();
  const aside = `${file}.${randomUUID()}.tmp`;
  writeFileSync(aside, `${value}\n`, { mode: 0o600, flag: "wx" });
  try {
    linkSync(aside, file);
    return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return readFileSync(file, "utf8").trim();
  } finally {
    unlinkSync(aside);
  }
}
