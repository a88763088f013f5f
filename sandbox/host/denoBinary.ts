/**
 * Finds the Deno executable of the pinned `deno` npm package. Never downloads and never looks on
 * PATH: the sandbox runs exactly the Deno version package-lock.json names.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const exe = process.platform === "win32" ? "deno.exe" : "deno";

export function resolveDenoPath(): string {
  // The package's install script links the platform binary next to its package.json.
  const packaged = join(dirname(require.resolve("deno/package.json")), exe);
  if (existsSync(packaged)) return packaged;
  // Without that link (read-only install), the binary sits in the optional platform package.
  const target = `@deno/${platformTarget()}/package.json`;
  try {
    const fromPlatform = join(dirname(require.resolve(target)), exe);
    if (existsSync(fromPlatform)) return fromPlatform;
  } catch {
    // fall through to the error below
  }
  throw new Error(
    `Deno executable not found at ${packaged} nor in ${target}; reinstall the "deno" npm package`,
  );
}

function platformTarget(): string {
  const arch = process.arch === "arm64" ? "arm64" : "x64";
  if (process.platform === "win32") return `win32-${arch}`;
  if (process.platform === "darwin") return `darwin-${arch}`;
  return `linux-${arch}-glibc`;
}
