/**
 * The docs examples import `@fluxbase/sdk` the way a user does, so they run the built package in
 * sdk/dist. `npm install` builds it (the package's `prepare`); this rebuilds it before the suite when
 * the SDK's source changed since, so a test never runs a stale build.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const sdk = path.resolve(import.meta.dirname, "../../sdk");

function newestInput(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? newestInput(full) : statSync(full).mtimeMs;
    }),
  );
}

export default function setup(): void {
  const built = path.join(sdk, "dist/index.js");
  const inputs = Math.max(
    newestInput(path.join(sdk, "src")),
    statSync(path.join(sdk, "package.json")).mtimeMs,
    statSync(path.join(sdk, "tsup.config.ts")).mtimeMs,
  );
  if (existsSync(built) && statSync(built).mtimeMs >= inputs) return;
  execFileSync("npm", ["run", "build", "--silent"], { cwd: sdk, stdio: ["ignore", "ignore", "inherit"] });
}
