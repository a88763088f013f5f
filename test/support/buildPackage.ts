/**
 * The package's own build (dist/: the CLI, the library and its .d.ts) is what `npm start`, the docs'
 * library examples (`import ... from "fluxbase-jobs"` resolves to dist/) and the packed-package tests
 * run. `npm install` builds it (`prepare`); this rebuilds it before the suite when a source it is built
 * from changed since, so a test never runs a stale build.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const inputs = ["server", "cli", "sandbox", "sdk/src", "package.json", "tsup.config.ts"];

function newest(file: string): number {
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(file).map((name) => newest(path.join(file, name))));
}

export default function setup(): void {
  const built = path.join(root, "dist/index.d.ts");
  if (existsSync(built)) {
    const changed = Math.max(...inputs.map((input) => newest(path.join(root, input))));
    if (statSync(built).mtimeMs >= changed) return;
  }
  execFileSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
}
