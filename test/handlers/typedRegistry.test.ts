/**
 * The typed registry: `fluxbase.jobs.enqueue(name, payload)` compiles only for a registered name
 * with its payload. The fixture compiles as written (its @ts-expect-error lines are errors); with
 * those markers removed, tsc must report exactly those lines.
 */
import { execFile } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const dir = path.join(import.meta.dirname, "fixtures");
const fixture = path.join(dir, "typedEnqueue.ts");
const stripped = path.join(dir, `typedEnqueue.stripped-${process.pid}.ts`);
const tsc = path.resolve("node_modules/typescript/bin/tsc");
const flags = [
  "--noEmit",
  "--strict",
  "--target",
  "ES2022",
  "--module",
  "NodeNext",
  "--moduleResolution",
  "NodeNext",
  "--allowImportingTsExtensions",
  "--skipLibCheck",
  "--types",
  "node",
  "--lib",
  "ES2023,DOM",
];

afterAll(() => rmSync(stripped, { force: true }));

async function compile(files: string[]): Promise<string> {
  try {
    await run(process.execPath, [tsc, ...flags, ...files], { cwd: path.resolve(".") });
    return "";
  } catch (error) {
    return (error as { stdout: string }).stdout;
  }
}

describe("typed enqueue", () => {
  it("rejects unknown names and wrong payloads at compile time, and only those", async () => {
    const source = readFileSync(fixture, "utf8");
    const lines = source.split("\n");
    const isMarker = (line: string) => line.trim().startsWith("// @ts-expect-error");
    // 1-based number of the line after each marker.
    const marked = lines.flatMap((line, i) => (isMarker(line) ? [i + 2] : []));
    expect(marked).toHaveLength(4);
    writeFileSync(stripped, lines.map((line) => (isMarker(line) ? "" : line)).join("\n"));
    // One tsc run over both: as written it compiles (a marker on a line without an error would be
    // reported as unused); with the markers blanked (line numbers kept) exactly those lines fail.
    const output = await compile([fixture, stripped]);
    const errors = [...output.matchAll(/^(.+?)\((\d+),\d+\): error TS\d+/gm)];
    expect(errors.filter(([, file]) => !file!.includes(".stripped-")).map(([line]) => line)).toEqual([]);
    const failing = errors
      .filter(([, file]) => file!.includes(".stripped-"))
      .map(([, , line]) => Number(line));
    expect([...new Set(failing)].sort((a, b) => a - b)).toEqual(marked);
  }, 120_000);
});
