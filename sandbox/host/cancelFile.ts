/**
 * The marker a main-isolate run looks for from `job.checkCancellation()`: a job that never yields to
 * the event loop cannot read the cancel message on stdin, but it can stat a file (at most every
 * 50 ms). Created only on cancel and removed when the run ends, so runs never cancelled cost nothing.
 */
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export class CancelFile {
  readonly path: string;
  private created = false;

  /** A fresh name in `dir` (which exists); the job may read it, and learns only its own cancel. */
  constructor(dir: string) {
    this.path = join(dir, randomBytes(12).toString("hex"));
  }

  create(): void {
    if (this.created) return;
    this.created = true;
    writeFileSync(this.path, "");
  }

  /** Synchronous, so the file is gone when the run's outcome settles; a later create() makes it again. */
  remove(): void {
    if (!this.created) return;
    this.created = false;
    try {
      rmSync(this.path, { force: true });
    } catch {
      // A leftover empty file in the cancel dir is harmless: nobody else uses its name.
    }
  }
}
