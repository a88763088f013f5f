/** Small files the server keeps in its data dir (generated secrets, the embedded database password). */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** Reads a file's trimmed contents, or writes `make()` there (mode 0600) and returns it. */
export function readOrCreate(file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const value = make();
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: "wx" });
  return value;
}
