/** `npm run bench`: every benchmark, one after the other, printing their figures. */
import { existsSync } from "node:fs";
import { runJobsBench } from "./jobs.ts";

console.log("Fluxbase benchmarks (loopback, this machine)");
await runJobsBench();
for (const extra of [
  "peer.ts",
  "peerSandboxed.ts",
  "submit.ts",
  "retention.ts",
  "cli.ts",
  "realtime.ts",
  "rest.ts",
  "notify.ts",
]) {
  const file = new URL(extra, import.meta.url);
  if (existsSync(file)) {
    console.log(`\n— bench/${extra} —`);
    const mod = await import(file.href);
    if (typeof mod.run === "function") await mod.run();
  }
}
