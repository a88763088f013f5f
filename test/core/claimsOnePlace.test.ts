/**
 * Acting as the caller (the role and `request.jwt.claims`) is decided in one module, so the
 * allow-list and the transaction-local settings cannot be forgotten by a new call site.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const onePlace = "server/db/withClaims.ts";

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(relative);
    return /\.(ts|mts|js|mjs|sql)$/.test(entry.name) ? [relative] : [];
  });
}

describe("run as the caller", () => {
  it("sets request.jwt.claims and the role only in server/db/withClaims.ts", () => {
    const files = sourceFiles("server");
    expect(files).toContain(onePlace);
    const settingClaims = /request\.jwt\.claims/;
    const settingRole = /set_config\(\s*'role'|\bset\s+(local\s+)?role\b/i;
    const offenders = files.filter((file) => {
      if (file === onePlace) return false;
      const text = readFileSync(path.join(root, file), "utf8");
      return settingClaims.test(text) || settingRole.test(text);
    });
    expect(offenders).toEqual([]);
    expect(readFileSync(path.join(root, onePlace), "utf8")).toMatch(settingClaims);
  });

  it("in the database, only the function behind readRowAsEach sets them (the module's other half)", () => {
    const migrations = readdirSync(path.join(root, "migrations")).filter((name) => name.endsWith(".sql"));
    const setting = /set_config\(\s*'(role|request\.jwt\.claims)'|\bset\s+(local\s+)?role\b/i;
    // Comments may speak of it ("the login user must be able to SET ROLE"); statements may not.
    const statements = (name: string) =>
      readFileSync(path.join(root, "migrations", name), "utf8").replace(/--.*$/gm, "");
    const setters = migrations.filter((name) => setting.test(statements(name)));
    expect(setters).toEqual(["0030_read_row_as_each.sql"]);
    expect(readFileSync(path.join(root, onePlace), "utf8")).toMatch(/jobs\.read_row_as_each\(/);
  });
});
