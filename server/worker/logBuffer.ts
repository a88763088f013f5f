/** Collects a run's log lines and writes them in batches with consecutive line numbers. */
import type { LogEntry } from "../queue/runWrites.ts";

export class LogBuffer {
  private pending: LogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private nextLine: number,
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
        await this.write(batch);
      } catch (error) {
        this.onError(error);
      }
    });
    return this.writing;
  }
}
