/** A throwaway jobs folder for a test, written from a map of relative paths to file contents. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

export interface TempJobsDir {
  /** Absolute path of the jobs folder (inside `root`). */
  dir: string;
  /** A temporary folder holding `dir`; removed by `cleanup`. */
  root: string;
  write(file: string, content: string): Promise<void>;
  remove(file: string): Promise<void>;
  cleanup(): Promise<void>;
}

export async function makeJobsDir(files: Record<string, string> = {}): Promise<TempJobsDir> {
  const root = await mkdtemp(path.join(tmpdir(), "fluxbase-jobs-"));
  const dir = path.join(root, "jobs");
  const write = async (file: string, content: string) => {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  };
  await mkdir(dir);
  for (const [file, content] of Object.entries(files)) await write(file, content);
  return {
    dir,
    root,
    write,
    remove: (file) => rm(path.join(dir, file), { recursive: true, force: true }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** A minimal job function, with the annotation block given. */
export const job = (annotations = "", body = "return { ok: true };") =>
  `${
    annotations
      ? `/**\n${annotations
          .trim()
          .split("\n")
          .map((line) => ` * ${line.trim()}`)
          .join("\n")}\n */\n`
      : ""
  }export async function handler() {\n  ${body}\n}\n`;
