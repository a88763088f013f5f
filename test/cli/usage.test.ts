/** The usage the CLI prints is the one docs/cli.md shows. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { fluxbaseArgs } from "../support/runCli.ts";

const page = readFileSync(fileURLToPath(new URL("../../docs/cli.md", import.meta.url)), "utf8");

describe("fluxbase --help", () => {
  it("prints the command list of docs/cli.md, new commands included", () => {
    const help = spawnSync(process.execPath, [...fluxbaseArgs, "--help"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^ {2}jobs list\|get\|logs\|submit\|/m);
    expect(help.stdout).toMatch(/^ {2}workers /m);
    expect(help.stdout).toMatch(/^ {2}functions list\|get\|delete\|sync\|deploy /m);
    expect(page).toContain(`\`\`\`text\n${help.stdout}\`\`\``);
  });
});
