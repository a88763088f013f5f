/** `fluxbase functions ...` and `fluxbase workers` as a person types them, against a running server. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { progressJob, submittedId, useCliServer } from "./cliServer.ts";

const cli = useCliServer();
const functions = (...args: string[]) => cli.fluxbase(["functions", ...args]);
const scratch = mkdtempSync(path.join(tmpdir(), "fluxbase-cli-deploy-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("fluxbase functions", { timeout: 60_000 }, () => {
  it("list and get show the functions of the jobs folder", async () => {
    const [list, json, detail, missing] = await Promise.all([
      functions("list"),
      functions("list", "--namespace", "default", "--json"),
      functions("get", "progress"),
      functions("get", "progress", "--namespace", "elsewhere"),
    ]);
    const [header, row, extra] = list.stdout.trim().split("\n");
    expect(header).toMatch(/^NAMESPACE\s+NAME\s+ENABLED\s+SCHEDULE\s+TIMEOUT\s+ORIGIN\s+VERSION\s+UPDATED$/);
    expect(row!.split(/\s+/).slice(0, 7)).toEqual([
      "default",
      "progress",
      "yes",
      "-",
      "300s",
      "filesystem",
      "1",
    ]);
    expect(extra).toBeUndefined();
    expect(JSON.parse(json.stdout)).toMatchObject([
      { name: "progress", namespace: "default", max_retries: 0 },
    ]);
    expect(detail.stdout).toContain("name:         progress\n");
    expect(detail.stdout).toContain("description:  Counts steps, reporting progress\n");
    expect(detail.stdout).toContain("max retries:  0\n");
    expect(detail.stdout).toContain("origin:       filesystem (progress.ts)\n");
    expect(missing).toMatchObject({ code: 1, stdout: "" });
    expect(missing.stderr).toBe(
      'fluxbase: No job function "progress" in namespace "elsewhere" (FUNCTION_NOT_FOUND)\n',
    );
  });

  it("deploy creates a function from a file, then updates its code; delete removes it", async () => {
    const file = path.join(scratch, "shout.ts");
    writeFileSync(file, progressJob);
    const created = await functions("deploy", file, "--namespace", "tools");
    expect(created).toMatchObject({
      code: 0,
      stdout: 'Created function "shout" (namespace tools, version 1)\n',
    });

    writeFileSync(file, progressJob.replace("Counts steps", "Counts steps loudly"));
    const [updated, renamed] = await Promise.all([
      functions("deploy", file, "--namespace", "tools"),
      functions("deploy", file, "--name", "whisper", "--json"),
    ]);
    expect(updated.stdout).toBe('Updated function "shout" (namespace tools, version 2)\n');
    expect(JSON.parse(renamed.stdout)).toMatchObject({
      name: "whisper",
      namespace: "default",
      origin: "api",
    });
    // An update with new code applies the new code's annotations.
    const shout = JSON.parse((await functions("get", "shout", "--namespace", "tools", "--json")).stdout);
    expect(shout).toMatchObject({
      origin: "api",
      version: 2,
      description: "Counts steps loudly, reporting progress",
    });
    expect(shout.source).toContain("Counts steps loudly");
    const run = await cli.fluxbase(["jobs", "submit", "shout", "--namespace", "tools", "--wait"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Job ${submittedId(run)} completed`);

    const [deleted, gone] = await Promise.all([
      functions("delete", "shout", "--namespace", "tools"),
      functions("delete", "nothing-here"),
    ]);
    expect(deleted).toMatchObject({ code: 0, stdout: 'Deleted function "shout" (namespace tools)\n' });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe(
      'fluxbase: No job function "nothing-here" in namespace "default" (FUNCTION_NOT_FOUND)\n',
    );
  });

  it("sync re-reads the server's jobs folder: --dry-run reports, --delete-missing deletes", async () => {
    writeFileSync(path.join(cli.jobsDir, "extra.ts"), progressJob);
    const dryRun = await functions("sync", "--dry-run");
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toMatch(/^Would sync namespace "default" from the server's jobs folder \(dry run/);
    expect(dryRun.stdout).toMatch(/\n {2}created: {3}1 \(\S*extra\)\n/);
    const before = await functions("get", "extra");
    expect(before.stderr).toContain("(FUNCTION_NOT_FOUND)");

    const synced = await functions("sync", "--json");
    expect(JSON.parse(synced.stdout).summary).toMatchObject({ created: 1, unchanged: 1, errors: 0 });
    rmSync(path.join(cli.jobsDir, "extra.ts"));
    const pruned = await functions("sync", "--delete-missing");
    expect(pruned.stdout).toMatch(/\n {2}deleted: {3}1 \(\S*extra\)\n/);
    const list = await functions("list", "--json");
    // The folder's functions are gone; what came through the API (whisper) a folder sync leaves alone.
    expect(JSON.parse(list.stdout).map((fn: { name: string }) => fn.name)).toEqual(["progress", "whisper"]);
  });

  it("reports mistakes and refusals in one line, exit code 1", async () => {
    const user = await cli.server.user();
    const [notAdmin, noFile, noName, unknownFlag, unknownCommand, badName, folderOwned] = await Promise.all([
      functions("list", "--token", user.token),
      functions("deploy", path.join(scratch, "missing.ts")),
      functions("get"),
      functions("sync", "--force"),
      functions("publish"),
      functions("deploy", path.join(cli.jobsDir, "progress.ts"), "--name", "bad name"),
      functions("deploy", path.join(cli.jobsDir, "progress.ts")),
    ]);
    expect(notAdmin.stderr).toMatch(/^fluxbase: .* \(ADMIN_REQUIRED\)\n$/);
    expect(noFile.stderr).toMatch(/^fluxbase: cannot read \S+missing\.ts: ENOENT/);
    expect(noName.stderr).toBe("fluxbase: expected `functions get <name>`\n");
    expect(unknownFlag.stderr).toMatch(/^fluxbase: Unknown option '--force'/);
    expect(unknownCommand.stderr).toBe(
      'fluxbase: unknown command "functions publish"; see `fluxbase functions --help`\n',
    );
    expect(badName.stderr).toMatch(/^fluxbase: .* \(VALIDATION_ERROR\)\n$/);
    // The folder owns "progress": an upload under its name is refused, not merged.
    expect(folderOwned.stderr).toMatch(/^fluxbase: .*progress.* \(FUNCTION_CONFLICT\)\n$/);
    for (const run of [notAdmin, noFile, noName, unknownFlag, unknownCommand, badName, folderOwned]) {
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
    }
    const help = await functions("--help");
    expect(help).toMatchObject({ code: 0 });
    expect(help.stdout).toMatch(/^Usage: fluxbase functions <command> \[options\]\n/);
  });
});

describe("fluxbase workers", { timeout: 60_000 }, () => {
  it("lists the worker registry; a user token is refused", async () => {
    const user = await cli.server.user();
    const [text, json, notAdmin, help] = await Promise.all([
      cli.fluxbase(["workers"]),
      cli.fluxbase(["workers", "--json"]),
      cli.fluxbase(["workers", "--token", user.token]),
      cli.fluxbase(["workers", "--help"]),
    ]);
    const [worker] = JSON.parse(json.stdout);
    expect(worker).toMatchObject({ status: "active", current_job_count: 0 });
    const [header, row, extra] = text.stdout.trim().split("\n");
    expect(header).toMatch(/^NAME\s+STATUS\s+JOBS\s+HEARTBEAT\s+PID\s+STARTED$/);
    expect(row!.split(/\s+/).slice(0, 5)).toEqual([
      worker.name,
      "active",
      `0/${worker.max_concurrent_jobs}`,
      expect.stringMatching(/^\d+(ms|\.\ds)$/),
      "ago",
    ]);
    expect(extra).toBeUndefined();
    expect(notAdmin).toMatchObject({ code: 1, stdout: "" });
    expect(notAdmin.stderr).toMatch(/^fluxbase: .* \(ADMIN_REQUIRED\)\n$/);
    expect(help.stdout).toMatch(/^Usage: fluxbase workers \[options\]\n/);
  });
});
