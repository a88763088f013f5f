/**
 * A Deno job process as the host sees it, started by the spawner (spawnerClient.ts): its pid once it
 * runs, its stdin (writes wait until it runs), its stdout and stderr as chunks, and one `closed` once
 * it has exited and both streams have ended, so every byte it wrote is in before an outcome is decided.
 */
import type { Socket } from "node:net";

export interface GuestEvents {
  /** It runs (its stdin writes go out from now on). */
  started?(pid: number): void;
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
  /** It could not be started; `closed` follows. */
  failed(error: Error): void;
  closed(code: number | null, signal: NodeJS.Signals | null): void;
}

export type StdioNumber = 0 | 1 | 2;

export class GuestProcess {
  /** Known once the spawner has started it. */
  pid: number | undefined;
  /** The spawner saw it exit (or it never started). */
  exited = false;
  private stdin: Socket | null = null;
  private readonly sockets: Socket[] = [];
  private readonly attached = new Set<StdioNumber>();
  private queued: string[] = [];
  private inputClosed = false;
  private killWanted = false;
  private openStreams = new Set<StdioNumber>([1, 2]);
  private exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private done = false;

  constructor(
    readonly id: number,
    /** The spawner that starts it: its parent, once it runs. */
    readonly parentPid: number,
    private readonly events: GuestEvents,
    /** Called with it once it is closed (the spawner forgets it). */
    private readonly onDone: (guest: GuestProcess) => void,
  ) {}

  get writable(): boolean {
    return !this.inputClosed && !this.exited;
  }

  /** Writes to its stdin, or queues until it runs (before that, the spawner's end still reads). */
  write(text: string): void {
    if (!this.writable) return;
    if (this.stdin && this.pid !== undefined) this.stdin.write(text);
    else this.queued.push(text);
  }

  /** Its stdin ends (a guest learns that way that the host is gone). */
  closeInput(): void {
    this.inputClosed = true;
    this.queued = [];
    this.stdin?.destroy();
  }

  /** SIGKILL to its process group (falling back to it alone); once it runs, if it does not yet. */
  kill(): void {
    if (this.exited) return;
    if (this.pid === undefined) {
      this.killWanted = true;
      return;
    }
    try {
      process.kill(-this.pid, "SIGKILL");
    } catch {
      try {
        process.kill(this.pid, "SIGKILL");
      } catch {
        // Gone already; its exit is on the way.
      }
    }
  }

  /** One of its three streams, with what arrived after the connection's first line. */
  attach(fd: StdioNumber, socket: Socket, rest: Buffer): void {
    socket.on("error", () => {});
    // A second connection for one stream (a retry after a connect that seemed to fail) is refused.
    if (this.done || this.attached.has(fd)) return void socket.destroy();
    this.attached.add(fd);
    this.sockets.push(socket);
    if (fd === 0) {
      if (this.inputClosed) return void socket.destroy();
      this.stdin = socket;
      // Nothing the job writes to its stdin is read.
      socket.pause();
      this.flush();
      return;
    }
    const deliver = fd === 1 ? this.events.stdout : this.events.stderr;
    if (rest.length > 0) deliver(rest);
    socket.on("data", deliver);
    socket.on("close", () => {
      this.openStreams.delete(fd);
      this.maybeClose();
    });
  }

  started(pid: number): void {
    this.pid = pid;
    if (this.killWanted) this.kill();
    this.events.started?.(pid);
    this.flush();
  }

  failedToStart(error: Error): void {
    if (this.done) return;
    this.exited = true;
    this.events.failed(error);
    this.openStreams.clear();
    this.onExit(null, null);
  }

  onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true;
    this.exit ??= { code, signal };
    this.maybeClose();
  }

  private flush(): void {
    if (!this.stdin || this.pid === undefined) return;
    for (const text of this.queued) this.stdin.write(text);
    this.queued = [];
  }

  private maybeClose(): void {
    if (this.done || !this.exit || this.openStreams.size > 0) return;
    this.done = true;
    for (const socket of this.sockets) socket.destroy();
    this.onDone(this);
    this.events.closed(this.exit.code, this.exit.signal);
  }
}
