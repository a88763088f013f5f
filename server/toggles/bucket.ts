/**
 * Where a tenant falls in a toggle's rollout: 0..99, stable across processes and restarts, and the
 * same number `toggles.bucket()` computes in SQL (migration 0011), so code and RLS policies agree.
 */
import { createHash } from "node:crypto";

export function rolloutBucket(id: string, tenant: string): number {
  const hex = createHash("md5").update(`${id}:${tenant}`, "utf8").digest("hex");
  return Number.parseInt(hex.slice(0, 8), 16) % 100;
}
