/** The signing secret: from config, else generated once into the data dir and reused. */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { readOrCreate } from "../dataDir.ts";

export function ensureSecret(configured: string, dataDir: string, fileName: string, bytes = 48): string {
  if (configured) return configured;
  mkdirSync(dataDir, { recursive: true });
  return readOrCreate(path.join(dataDir, fileName), () => randomBytes(bytes).toString("base64url"));
}
