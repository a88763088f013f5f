/**
 * How long `fluxbase --help` takes, as a person types it: the built CLI (`npm run build`, run by
 * npm install) against a bare `node -e 0` on the same machine, and the sources through tsx as they
 * ran before the build existed. Median and worst of several runs, wall clock.
 *   node --import tsx bench/cli.ts        (also run by `npm run bench`; BENCH_CLI_RUNS=15)
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const runs = Number(process.env.BENCH_CLI_RUNS ?? 15);

function time(args: string[]): { median: number; worst: number } {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const run = spawnSync(process.execPath, args, { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
    if (run.status !== 0) throw new Error(`node ${args.join(" ")} failed: ${run.stderr}`);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, worst: times.at(-1)! };
}

export async function run(): Promise<void> {
  if (!existsSync(new URL("../dist/cli.js", import.meta.url))) {
    execFileSync("npm", ["run", "build"], { cwd: root, stdio: "ignore" });
  }
  const rows: [string, string[]][] = [
    ["node -e 0 (the floor)", ["-e", "0"]],
    ["fluxbase --help (built)", ["cli/bin.mjs", "--help"]],
    ["fluxbase --version (built)", ["cli/bin.mjs", "--version"]],
    ["fluxbase --help (sources via tsx)", ["--import", "tsx", "cli/main.ts", "--help"]],
  ];
  console.log(`CLI start-up, wall clock over ${runs} runs (target: --help under 300 ms)`);
  for (const [label, args] of rows) {
    const { median, worst } = time(args);
    console.log(
      `  ${label.padEnd(36)} median ${median.toFixed(0).padStart(5)} ms   worst ${worst.toFixed(0).padStart(5)} ms`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
