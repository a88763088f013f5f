/** The signing secret: from config, else generated once into the data dir and reused. */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { readOrCreate } from "../dataDir.ts";

export function ensureSecret(configured: string, dataDir: string, fileName: string, bytes = 48): string {
  if (configured) return configured;
  mkdirSync(dataDir, { recursive: true });
  return readOrCreate(path.join(dataDir, fileName), () => randomBytes(bytes).toString("base64url"));
}

/** The signing secret from config or the data dir, or undefined: reads only, never creates anything. */
export function readSecret(configured: string, dataDir: string, fileName: string): string | undefined {
  if (configured) return configured;
  const file = path.join(dataDir, fileName);
  return existsSync(file) ? readFileSync(file, "utf8").trim() || undefined : undefined;
}
