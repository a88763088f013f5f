/**
 * Splits a child's output stream into lines without ever holding more than a bounded amount of it:
 * each line keeps at most `limit` bytes and the rest is counted and dropped until its newline. A 10 MB
 * line with no newline costs the host a few KB, and the child is never left blocked on a full pipe.
 */

export interface LineSplitterOptions {
  /** How many leading bytes `limitFor` needs to decide a line's limit. */
  headBytes: number;
  /** Bytes to keep of a line that starts with `head`; asked once per line of at least headBytes. */
  limitFor(head: Buffer): number;
  /** A complete line (or the last, unterminated one) and how many of its bytes were dropped. */
  onLine(line: Buffer, droppedBytes: number): void;
}

export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private dropped = 0;
  private limit = -1;

  constructor(private readonly options: LineSplitterOptions) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(10, start);
      const end = newline === -1 ? chunk.length : newline;
      if (end > start) this.append(chunk.subarray(start, end));
      if (newline === -1) return;
      this.emit();
      start = newline + 1;
    }
  }

  /** The stream ended: an unterminated last line still counts. */
  end(): void {
    if (this.size > 0 || this.dropped > 0) this.emit();
  }

  private append(part: Buffer): void {
    const { headBytes } = this.options;
    if (this.limit < 0 && this.size + part.length >= headBytes) {
      const head = Buffer.concat([...this.parts, part.subarray(0, headBytes - this.size)]);
      this.limit = Math.max(this.options.limitFor(head), headBytes);
    }
    // Undecided means the line is still shorter than headBytes, so it fits either way.
    const room = (this.limit < 0 ? headBytes : this.limit) - this.size;
    if (part.length <= room) {
      this.parts.push(part);
      this.size += part.length;
    } else {
      if (room > 0) this.parts.push(part.subarray(0, room));
      this.size += Math.max(room, 0);
      this.dropped += part.length - Math.max(room, 0);
    }
  }

  private emit(): void {
    const line = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    const dropped = this.dropped;
    this.parts = [];
    this.size = 0;
    this.dropped = 0;
    this.limit = -1;
    this.options.onLine(line, dropped);
  }
}
