/**
 * Collects a run's log lines and writes them in batches with consecutive line numbers. The number
 * the run's lines continue from (after earlier attempts' lines) is asked for only when there is a
 * first line to write: a run that logs nothing costs no query.
 */
import type { LogEntry } from "../queue/runWrites.ts";

export class LogBuffer {
  private pending: LogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private nextLine = 1;
  private base: Promise<number> | undefined;

  constructor(
    /** The last line number already written for the job (0: none). */
    private readonly lastLine: () => Promise<number>,
    private readonly write: (lines: LogEntry[]) => Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs = 100,
    private readonly maxBatch = 200,
  ) {}

  add(level: LogEntry["level"], message: string): void {
    this.pending.push({ line_number: this.nextLine++, level, message });
    if (this.pending.length >= this.maxBatch) void this.drain();
    else this.timer ??= setTimeout(() => void this.drain(), this.intervalMs);
  }

  flush(): Promise<void> {
    return this.drain();
  }

  private drain(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.pending;
    this.pending = [];
    this.writing = this.writing.then(async () => {
      if (batch.length === 0) return;
      try {
        this.base ??= this.lastLine();
        const base = await this.base;
        await this.write(batch.map((line) => ({ ...line, line_number: base + line.line_number })));
      } catch (error) {
        this.onError(error);
      }
    });
    return this.writing;
  }
}
