/**
 * `npm run check` part: type-checks the guest (the code that runs inside Deno, which tsc does not
 * see) with the pinned Deno from node_modules, offline (`--cached-only`): the guest imports only
 * itself, sandbox/protocol.ts and the SDK's types, so nothing needs downloading.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { resolveDenoPath } from "./host/denoBinary.ts";

const root = path.resolve(import.meta.dirname, "..");
const guest = path.join(root, "sandbox/guest");
const files = readdirSync(guest)
  .filter((name) => name.endsWith(".ts"))
  .map((name) => path.join("sandbox/guest", name));
const result = spawnSync(
  resolveDenoPath(),
  ["check", "--quiet", "--cached-only", "--config", "deno.json", ...files],
  {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", RUST_BACKTRACE: "0" },
  },
);
if (result.error) throw result.error;
if (result.status !== 0) {
  console.error(`deno check of sandbox/guest failed (exit ${result.status})`);
  process.exit(result.status ?? 1);
}
