/**
 * The SDK runs in browsers and in the Deno sandbox: it must bundle for the browser without Node
 * built-ins, and type-check under Deno's own lib (no Node globals).
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const entry = path.join(root, "sdk/src/index.ts");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(path.join(dir, entry.name)) : [path.join(dir, entry.name)],
  );
}

describe("portability", () => {
  it("bundles for the browser with esbuild, leaving only the lazy ws import unresolved", async () => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => input.startsWith("node:") || input.includes("node_modules/ws/"))).toEqual(
      [],
    );
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/from\s*["']node:|require\(["']node:/);
    expect(code).toContain("WS_PACKAGE");
  });

  it("imports nothing Node-only in sdk/src", () => {
    for (const file of sourceFiles(path.join(root, "sdk/src"))) {
      // Comments may mention Node (JSDoc examples); code may not.
      const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, "");
      expect(text, file).not.toMatch(/from\s+["'](node:|ws["'])|\bprocess\.|\bBuffer\b|\brequire\(/);
    }
  });

  it("type-checks under Deno", async () => {
    const deno = path.join(root, "node_modules/.bin/deno");
    const { stderr } = await promisify(execFile)(deno, ["check", "--quiet", entry], {
      cwd: root,
      timeout: 60_000,
    });
    expect(stderr).toBe("");
  }, 90_000);
});
