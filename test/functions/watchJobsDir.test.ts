import { execFileSync } from "node:child_process";
import { appendFile, copyFile, mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type JobsDirWatcher, watchJobsDir } from "../../server/functions/watchJobsDir.ts";
import { job, makeJobsDir, type TempJobsDir } from "./jobsDir.ts";

const debounceMs = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Long enough for a debounced callback to have run, and for a stray second one to show up. */
const settle = () => sleep(debounceMs * 4);

let jobs: TempJobsDir | undefined;
let watcher: JobsDirWatcher | undefined;
afterEach(async () => {
  await watcher?.close();
  watcher = undefined;
  await jobs?.cleanup();
});

async function watch(dir: string, quietMs = debounceMs, usePolling = false) {
  const calls = { count: 0 };
  watcher = watchJobsDir(dir, () => calls.count++, { debounceMs: quietMs, pollIntervalMs: 50, usePolling });
  await watcher.ready;
  return calls;
}

/** Waits (up to 2 s) for the count to pass `before`; returns how long it took. */
async function seenWithin2s(calls: { count: number }, before: number): Promise<number> {
  const started = Date.now();
  while (calls.count === before) {
    if (Date.now() - started > 2000) throw new Error(`change not seen within 2 s (count ${calls.count})`);
    await sleep(20);
  }
  return Date.now() - started;
}

describe("watchJobsDir", () => {
  it("sees in-place writes after a rename-save, a cp over the file, an append and a new folder function", async () => {
    jobs = await makeJobsDir({ "hello.ts": job() });
    const calls = await watch(jobs.dir);
    const file = path.join(jobs.dir, "hello.ts");

    // Saved the way vim and `sed -i` save: write a sibling, rename it over the file.
    let before = calls.count;
    await writeFile(`${file}.tmp`, job("@fluxbase:timeout 2"));
    await rename(`${file}.tmp`, file);
    await seenWithin2s(calls, before);
    await settle();

    // Then written in place, which Node's recursive fs.watch no longer reported.
    for (const timeout of [3, 4]) {
      before = calls.count;
      await writeFile(file, job(`@fluxbase:timeout ${timeout}`));
      await seenWithin2s(calls, before);
      await settle();
    }

    before = calls.count;
    execFileSync("sed", ["-i", "s/timeout 4/timeout 5/", file]);
    await seenWithin2s(calls, before);
    await settle();
    before = calls.count;
    await writeFile(file, job("@fluxbase:timeout 6"));
    await seenWithin2s(calls, before);
    await settle();

    before = calls.count;
    await writeFile(path.join(jobs.root, "other.ts"), job("@fluxbase:timeout 7"));
    await copyFile(path.join(jobs.root, "other.ts"), file);
    await seenWithin2s(calls, before);
    await settle();

    before = calls.count;
    await appendFile(file, "// appended\n");
    await seenWithin2s(calls, before);
    await settle();

    before = calls.count;
    await jobs.write("report/index.ts", job());
    await seenWithin2s(calls, before);
    await settle();
    before = calls.count;
    await appendFile(path.join(jobs.dir, "report/index.ts"), "// more\n");
    await seenWithin2s(calls, before);
  });

  it("polling (the fallback when inotify runs out) sees a rename-save, then in-place writes and a new folder", async () => {
    jobs = await makeJobsDir({ "hello.ts": job() });
    const calls = await watch(jobs.dir, debounceMs, true);
    const file = path.join(jobs.dir, "hello.ts");
    let before = calls.count;
    await writeFile(`${file}.tmp`, job("@fluxbase:timeout 2"));
    await rename(`${file}.tmp`, file);
    await seenWithin2s(calls, before);
    await settle();
    before = calls.count;
    await writeFile(file, job("@fluxbase:timeout 3"));
    await seenWithin2s(calls, before);
    await settle();
    before = calls.count;
    await jobs.write("report/index.ts", job());
    await seenWithin2s(calls, before);
  });

  it("calls back once when a file is added, once when it changes, once when it is removed", async () => {
    jobs = await makeJobsDir({ "hello.ts": job() });
    const calls = await watch(jobs.dir);

    await jobs.write("report.ts", job());
    await settle();
    expect(calls.count).toBe(1);

    await jobs.write("report.ts", job("@fluxbase:timeout 5"));
    await settle();
    expect(calls.count).toBe(2);

    await jobs.remove("report.ts");
    await settle();
    expect(calls.count).toBe(3);
  });

  it("debounces a burst of changes into one call", async () => {
    jobs = await makeJobsDir({ "hello.ts": job() });
    // A quiet time long enough that a loaded machine cannot open a gap inside the burst.
    const calls = await watch(jobs.dir, 1000);
    for (let i = 0; i < 5; i++) {
      await jobs.write(`job${i}.ts`, job());
      await jobs.write("hello.ts", job(`@fluxbase:timeout ${i + 1}`));
      await sleep(10);
    }
    await sleep(2500);
    expect(calls.count).toBe(1);
  });

  it("sees subfolders, new ones and _shared/ included, and ignores dotfiles and node_modules", async () => {
    jobs = await makeJobsDir({ "report/index.ts": job() });
    const calls = await watch(jobs.dir);

    await jobs.write("report/helpers.ts", "export const x = 1;\n");
    await settle();
    expect(calls.count).toBe(1);

    await jobs.write("_shared/db.ts", "export const db = 1;\n");
    await settle();
    expect(calls.count).toBe(2);

    await jobs.write("_shared/db.ts", "export const db = 2;\n");
    await settle();
    expect(calls.count).toBe(3);

    await jobs.write(".hello.ts.swp", "editor state");
    await jobs.write("node_modules/pkg/index.js", "module.exports = 1;\n");
    await settle();
    expect(calls.count).toBe(3);
  });

  it("waits for a folder that does not exist yet, and follows it when it is replaced", async () => {
    jobs = await makeJobsDir();
    const dir = path.join(jobs.root, "later");
    const calls = await watch(dir);
    await settle();
    expect(calls.count).toBe(0);

    await mkdir(dir);
    await writeFile(path.join(dir, "hello.ts"), job());
    await settle();
    expect(calls.count).toBeGreaterThanOrEqual(1);

    const before = calls.count;
    await writeFile(path.join(dir, "second.ts"), job());
    await settle();
    expect(calls.count).toBe(before + 1);

    // Replaced wholesale (as a deploy might): the new folder is watched.
    await rename(dir, path.join(jobs.root, "old"));
    await mkdir(dir);
    await settle();
    const afterSwap = calls.count;
    expect(afterSwap).toBeGreaterThan(before + 1);
    await writeFile(path.join(dir, "third.ts"), job());
    await settle();
    expect(calls.count).toBe(afterSwap + 1);

    await rm(dir, { recursive: true });
    await settle();
    expect(calls.count).toBeGreaterThan(afterSwap + 1);
  });

  it("leaves no handles behind when closed", async () => {
    jobs = await makeJobsDir({ "hello.ts": job(), "report/index.ts": job(), "_shared/x.ts": "" });
    const count = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;
    const watchersBefore = count("FSEventWrap");
    const timersBefore = count("Timeout");

    const calls = await watch(jobs.dir);
    expect(count("FSEventWrap")).toBeGreaterThan(watchersBefore);
    await jobs.write("hello.ts", job("@fluxbase:timeout 9")); // leaves a debounce timer pending
    await sleep(20);
    await watcher!.close();
    watcher = undefined;

    expect(count("FSEventWrap")).toBe(watchersBefore);
    // chokidar's own de-duplication timers (at most 1 s) run out by themselves; none is left after.
    for (let waited = 0; count("Timeout") > timersBefore && waited < 3000; waited += 50) await sleep(50);
    expect(count("Timeout")).toBeLessThanOrEqual(timersBefore);
    await jobs.write("late.ts", job());
    await settle();
    expect(calls.count).toBe(0);
  });
});
