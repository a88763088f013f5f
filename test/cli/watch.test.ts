/**
 * Watching a job from the terminal: `jobs submit --wait` on a real pseudo-terminal (util-linux
 * `script`) draws a live, coloured progress line; in a pipe it prints plain lines, with a line per
 * failed attempt and its retry; Ctrl-C leaves the job running and says how to cancel it; piped into
 * `head`, `jobs logs --follow` ends quietly.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fluxbaseArgs } from "../support/runCli.ts";
import { testJwtSecret } from "../support/server.ts";
import { submittedId, useCliServer } from "./cliServer.ts";

const cli = useCliServer({ retryBackoffBase: 200, retryBackoffMax: 400 });

const flaky = `/**
 * @fluxbase:max-retries 1
 */
export async function handler() {
  throw new Error("upstream answered 503");
}
`;

/** Runs a shell command line with the CLI's environment; resolves with its output and status. */
function shell(line: string, env: Record<string, string> = {}) {
  const child = spawn("bash", ["-c", line], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      FLUXBASE_URL: cli.server.url,
      FLUXBASE_AUTH_JWT_SECRET: testJwtSecret,
      FLUXBASE_DATA_DIR: cli.jobsDir,
      ...env,
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done, output: () => stdout };
}

const command = (args: string) =>
  `${[process.execPath, ...fluxbaseArgs].map((a) => `'${a}'`).join(" ")} ${args}`;

describe("watching a job", { timeout: 90_000 }, () => {
  it("draws a live coloured progress line on a terminal, plain when NO_COLOR is set", async () => {
    const submit = command(`jobs submit progress --payload '{"steps":4,"delayMs":300}' --wait`);
    const onTty = (env: Record<string, string> = {}) =>
      shell(`script -qec ${JSON.stringify(submit)} /dev/null`, env).done;
    const [colour, plain] = await Promise.all([onTty(), onTty({ NO_COLOR: "1" })]);
    for (const run of [colour, plain]) {
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("\r\x1b[2K"); // the live line is redrawn in place
      expect(run.stdout, JSON.stringify(run.stdout)).toMatch(/█+░*.*100%.*Step 4\/4/);
      expect(run.stdout).toMatch(/\d+(ms|\.\ds)/);
      expect(run.stdout).toMatch(/Job \S+ completed in /);
    }
    expect(colour.stdout).toContain("\x1b[32m");
    expect(plain.stdout).not.toContain("\x1b[32m");
  });

  it("prints plain lines in a pipe, with a line for each failed attempt and its retry", async () => {
    writeFileSync(path.join(cli.jobsDir, "flaky.ts"), flaky);
    expect((await cli.fluxbase(["functions", "sync"])).code).toBe(0);
    const run = await cli.fluxbase(["jobs", "submit", "flaky", "--wait"]);
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain("\x1b[");
    expect(run.stdout).toMatch(/^attempt 1 of 2 failed: .*upstream answered 503(; retrying.*)?$/m);
    expect(run.stdout).toMatch(/^attempt 2 of 2 started$/m);
    expect(run.stdout).toMatch(/^Job \S+ failed in \S+: .*upstream answered 503$/m);
  });

  it("on Ctrl-C stops waiting, not the job, says how to cancel it and exits 130", async () => {
    const run = shell(
      `exec ${command(`jobs submit progress --payload '{"steps":40,"delayMs":250}' --wait`)}`,
    );
    await expect.poll(() => run.output(), { timeout: 30_000 }).toMatch(/\[ {0,2}\d+%\] Step/);
    run.child.kill("SIGINT");
    const done = await run.done;
    const id = submittedId(done);
    expect(done.code).toBe(130);
    expect(done.stderr).toBe(`job ${id} still running; cancel with: fluxbase jobs cancel ${id}\n`);
    const [row] = await cli.server.db.sql`select status from jobs.queue where id = ${id}`;
    expect(row!.status).toBe("running");
    expect((await cli.fluxbase(["jobs", "cancel", id])).code).toBe(0);
  });

  it("ends quietly when piped into head", async () => {
    const submitted = await cli.fluxbase([
      "jobs",
      "submit",
      "progress",
      "--payload",
      '{"steps":6,"delayMs":400}',
    ]);
    const id = submittedId(submitted);
    const run = await shell(`set -o pipefail; ${command(`jobs logs ${id} --follow`)} | head -1`).done;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\S+Z INFO {2}step 1 of 6\n$/);
    expect(run.stderr).not.toMatch(/EPIPE|Error/);
  });
});
