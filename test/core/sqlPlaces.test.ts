/**
 * SQL sits in small one-operation files (server/queue, server/functions, ...), never in the HTTP
 * routes, the worker or the auth code, so each query has one name and one place to change it.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(relative);
    return entry.name.endsWith(".ts") ? [relative] : [];
  });
}

describe("where SQL lives", () => {
  it("has no query in server/http, server/worker or server/auth", () => {
    const query = /\b(sql|tx|conn|db)(<[^`]*>)?`|\.unsafe\(/;
    const files = ["server/http", "server/worker", "server/auth"].flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.filter((file) => query.test(readFileSync(path.join(root, file), "utf8")));
    expect(offenders).toEqual([]);
  });
});
