/**
 * Keeps a tight loop of reportProgress() from flooding the database: at most one write per
 * interval, the latest value always wins, and flush() lands the last value before the run ends.
 */
export class ProgressCoalescer<T> {
  private latest: T | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastWrite = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly intervalMs: number,
    private readonly write: (value: T) => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
  ) {}

  push(value: T): void {
    this.latest = value;
    if (this.timer) return;
    const wait = Math.max(0, this.lastWrite + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, wait);
  }

  /** Writes whatever is pending now and waits for every write in flight. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    await this.drain();
  }

  private drain(): Promise<void> {
    this.writing = this.writing.then(async () => {
      const value = this.latest;
      if (value === undefined) return;
      this.latest = undefined;
      this.lastWrite = Date.now();
      try {
        await this.write(value);
      } catch (error) {
        this.onError(error);
      }
    });
    return this.writing;
  }
}
