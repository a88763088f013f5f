/**
 * Writes each job bundle to disk once, named by its code hash, so the guest can import it and V8 can
 * reuse its code cache across runs. Nothing per-run (input, tokens, nonce) ever lands in these files.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const HASH = /^[A-Za-z0-9_-]{1,128}$/;

export class CodeFiles {
  private readonly written = new Set<string>();

  constructor(private readonly dir: string) {}

  /** Path of the module for this code; synchronous because `run()` must spawn synchronously. */
  ensure(codeHash: string, code: string): string {
    if (!HASH.test(codeHash)) {
      throw new TypeError(`codeHash must match ${HASH} (it names a file), got ${JSON.stringify(codeHash)}`);
    }
    const path = join(this.dir, `${codeHash}.mjs`);
    if (this.written.has(codeHash)) return path;
    if (!existsSync(path)) {
      mkdirSync(this.dir, { recursive: true });
      const temp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
      writeFileSync(temp, code);
      renameSync(temp, path);
    }
    this.written.add(codeHash);
    return path;
  }
}
