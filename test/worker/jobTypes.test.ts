/** Job authors get types: `deno check jobs/*.ts` passes with the repo's deno.json. */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { resolveDenoPath } from "../../sandbox/index.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

it("type-checks every example job with deno check", () => {
  const files = readdirSync(`${root}jobs`)
    .filter((file) => file.endsWith(".ts"))
    .map((file) => `jobs/${file}`);
  expect(files.length).toBeGreaterThanOrEqual(3);
  const result = spawnSync(resolveDenoPath(), ["check", ...files], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    timeout: 120_000,
  });
  expect(result.stderr + result.stdout).not.toMatch(/error/i);
  expect(result.status).toBe(0);
}, 130_000);
