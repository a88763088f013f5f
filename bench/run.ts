/**
 * `npm run bench`: every benchmark, one after the other, each in a Node process of its own, printing
 * their figures. A section run in the process of the ones before it inherited their heap, their
 * compiled code and their process-wide hooks: after the jobs bench's HTTP requests, Node's async
 * context hook slowed every promise of the trusted-handler comparison on both sides.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const sections = [
  "jobs.ts",
  "peer.ts",
  "peerSandboxed.ts",
  "submit.ts",
  "retention.ts",
  "cli.ts",
  "realtime.ts",
  "rest.ts",
  "notify.ts",
];

console.log("Fluxbase benchmarks (loopback, this machine)");
let failed = 0;
for (const section of sections) {
  const file = fileURLToPath(new URL(section, import.meta.url));
  if (!existsSync(file)) continue;
  if (section !== "jobs.ts") console.log(`\n— bench/${section} —`);
  const result = spawnSync(process.execPath, ["--import", "tsx", file], { stdio: "inherit" });
  if (result.status !== 0) {
    failed++;
    console.log(`bench/${section} failed (${result.signal ?? `exit ${result.status}`})`);
  }
}
if (failed > 0) process.exit(1);
