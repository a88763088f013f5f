/**
 * The server's side of the spawner (../spawner/spawner.mjs): starts it, listens on a Unix socket in
 * a private folder for the three stdio connections of each process it starts, and routes them, its
 * `spawned` / `failed` / `exit` messages to the GuestProcess they are about. A connection must open
 * with the secret only the spawner was told (job processes run as the same user). If the spawner
 * dies, what it started is killed and reported gone; the next spawn starts a new one.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type GuestEvents, GuestProcess, type StdioNumber } from "./guestProcess.ts";
import type { SandboxLogger } from "./types.ts";

const spawnerPath = fileURLToPath(new URL("../spawner/spawner.mjs", import.meta.url));

/** A connection that has not said who it is within this long is closed. */
const HEADER_TIMEOUT_MS = 10_000;
const MAX_HEADER_BYTES = 256;

export interface SpawnRequest {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

type SpawnerMessage =
  | { t: "spawned"; id: number; pid: number }
  | { t: "failed"; id: number; message: string }
  | { t: "exit"; id: number; code: number | null; signal: NodeJS.Signals | null };

export class SpawnerClient {
  private helper: ChildProcess | null = null;
  private readonly guests = new Map<number, GuestProcess>();
  private readonly secret = randomBytes(32);
  private nextId = 0;
  private closed = false;
  private onEmpty: (() => void) | undefined;

  private constructor(
    private readonly server: Server,
    private readonly dir: string,
    /** Where the spawner connects each process's stdio. */
    readonly socketPath: string,
    /** setpriv, so the kernel kills the spawner when the server dies; null where that does not work. */
    private readonly setprivPath: string | null,
    private readonly logger?: SandboxLogger,
  ) {
    server.on("connection", (socket) => this.accept(socket));
  }

  static async start(setprivPath: string | null, logger?: SandboxLogger): Promise<SpawnerClient> {
    // Under the system's temp folder: a Unix socket's path must stay short.
    const dir = mkdtempSync(join(tmpdir(), "fluxbase-spawner-"));
    const socketPath = join(dir, "stdio.sock");
    const server = createServer({ pauseOnConnect: false });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => resolve());
    });
    server.unref();
    const client = new SpawnerClient(server, dir, socketPath, setprivPath, logger);
    client.ensureHelper();
    return client;
  }

  /** The spawner's pid (undefined while none runs). */
  get spawnerPid(): number | undefined {
    return this.helper?.pid;
  }

  /** Asks the spawner to start a process; the GuestProcess reports what became of it. */
  spawn(request: SpawnRequest, events: GuestEvents): GuestProcess {
    const id = ++this.nextId;
    const helper = this.closed ? null : this.ensureHelper();
    const guest = new GuestProcess(id, helper?.pid ?? -1, events, (g) => this.forget(g));
    this.guests.set(id, guest);
    // Like a child process of its own, a process being started or running keeps Node alive.
    helper?.channel?.ref();
    if (!helper) queueMicrotask(() => guest.failedToStart(new Error("the sandbox is closed")));
    else helper.send({ t: "spawn", id, ...request });
    return guest;
  }

  private forget(guest: GuestProcess): void {
    this.guests.delete(guest.id);
    if (this.guests.size > 0) return;
    this.helper?.channel?.unref();
    this.onEmpty?.();
  }

  /**
   * Stops the spawner and removes the socket. Processes the sandbox has killed are first reported
   * gone (for up to `waitMs`), so each one's clean-up runs; leaving the channel is the spawner's
   * signal to kill whatever it still runs, and exit.
   */
  async close(waitMs = 5_000): Promise<void> {
    this.closed = true;
    if (this.guests.size > 0 && this.helper) {
      await new Promise<void>((resolve) => {
        this.onEmpty = resolve;
        setTimeout(resolve, waitMs).unref();
      });
    }
    if (this.helper?.connected) this.helper.disconnect();
    this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private ensureHelper(): ChildProcess {
    if (this.helper) return this.helper;
    const node = [process.execPath, spawnerPath];
    const [command, ...args] = this.setprivPath
      ? [this.setprivPath, "--pdeathsig", "KILL", "--", ...node]
      : node;
    // A session of its own: a signal to the server's process group (a terminal's Ctrl-C) reaches
    // neither it nor a process it is starting. Between fork and setsid a new child is still in the
    // spawner's group, its signals blocked until just before exec (libuv): a group SIGINT landing in
    // that window stays pending and kills the job process at exec, and its run fails during the drain.
    const helper = spawn(command!, args, {
      stdio: ["ignore", "ignore", "inherit", "ipc"],
      env: {},
      detached: true,
    });
    this.helper = helper;
    helper.on("message", (message: SpawnerMessage) => this.onMessage(message));
    helper.on("error", (error) => {
      this.logger?.warn("sandbox: spawner error", { error });
      if (helper.pid === undefined) this.onHelperExit(helper, null, null);
    });
    helper.on("exit", (code, signal) => this.onHelperExit(helper, code, signal));
    helper.unref();
    helper.channel?.unref();
    helper.send({ t: "config", socketPath: this.socketPath, secret: this.secret.toString("hex") });
    return helper;
  }

  private onMessage(message: SpawnerMessage): void {
    const guest = this.guests.get(message.id);
    if (!guest) return;
    if (message.t === "spawned") guest.started(message.pid);
    else if (message.t === "failed") guest.failedToStart(new Error(message.message));
    else guest.onExit(message.code, message.signal);
  }

  private onHelperExit(helper: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.helper !== helper) return;
    this.helper = null;
    if (this.closed) return;
    this.logger?.warn("sandbox: the spawner exited; its job processes are killed", { code, signal });
    for (const guest of [...this.guests.values()]) {
      if (guest.pid === undefined) guest.failedToStart(new Error("the spawner exited before it started"));
      else {
        guest.kill();
        guest.onExit(null, "SIGKILL");
      }
    }
  }

  /** Reads a connection's first line, `<secret> <id> <fd>`, and hands it to its process. */
  private accept(socket: Socket): void {
    let head: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), HEADER_TIMEOUT_MS);
    timer.unref();
    socket.on("error", () => {});
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const end = head.indexOf(0x0a);
      if (end === -1) {
        if (head.length > MAX_HEADER_BYTES) socket.destroy();
        return;
      }
      socket.off("data", onData);
      clearTimeout(timer);
      const [secret = "", id = "", fd = ""] = head.subarray(0, end).toString("latin1").split(" ");
      const guest = this.guests.get(Number(id));
      if (!this.isSecret(secret) || !guest || !["0", "1", "2"].includes(fd)) return void socket.destroy();
      guest.attach(Number(fd) as StdioNumber, socket, head.subarray(end + 1));
    };
    socket.on("data", onData);
  }

  private isSecret(hex: string): boolean {
    const given = Buffer.from(hex, "hex");
    return given.length === this.secret.length && timingSafeEqual(given, this.secret);
  }
}
