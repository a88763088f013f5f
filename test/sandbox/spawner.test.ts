/**
 * The spawner (sandbox/spawner/spawner.mjs) through its client, with plain shell commands: stdio
 * reaches the process and comes back whole, exits and failures are reported, a connection without
 * the secret reaches nothing, and a spawner that dies takes its processes along and is replaced.
 */
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { dirname } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { GuestProcess } from "../../sandbox/host/guestProcess.ts";
import { SpawnerClient } from "../../sandbox/host/spawnerClient.ts";
import { alive } from "../support/processes.ts";

interface Seen {
  stdout: string;
  stderr: string;
  failed?: string;
  pid?: number;
  closed: Promise<{ code: number | null; signal: string | null }>;
}

const clients: SpawnerClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close(0)));
});

async function startClient(): Promise<SpawnerClient> {
  const client = await SpawnerClient.start(null);
  clients.push(client);
  return client;
}

function sh(client: SpawnerClient, script: string): { guest: GuestProcess; seen: Seen } {
  let close!: (end: { code: number | null; signal: string | null }) => void;
  const closed = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    close = resolve;
  });
  const seen: Seen = { stdout: "", stderr: "", closed };
  const guest = client.spawn(
    { command: "/bin/sh", args: ["-c", script], cwd: "/", env: { PATH: "/usr/bin:/bin" } },
    {
      started: (pid) => {
        seen.pid = pid;
      },
      stdout: (chunk) => {
        seen.stdout += chunk.toString();
      },
      stderr: (chunk) => {
        seen.stderr += chunk.toString();
      },
      failed: (error) => {
        seen.failed = error.message;
      },
      closed: (code, signal) => close({ code, signal }),
    },
  );
  return { guest, seen };
}

const waitFor = async (check: () => boolean, ms = 5_000) => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("the spawner", () => {
  it("connects stdin, stdout and stderr, and reports the exit after everything written", async () => {
    const client = await startClient();
    // Written before the process runs: queued, then delivered once.
    const { guest, seen } = sh(
      client,
      'read line; echo "got:$line"; head -c 300000 /dev/zero | tr "\\0" x; echo oops >&2; exit 3',
    );
    guest.write("hello\n");
    expect(await seen.closed).toEqual({ code: 3, signal: null });
    expect(seen.stdout.startsWith("got:hello\n")).toBe(true);
    expect(seen.stdout.length).toBe("got:hello\n".length + 300_000);
    expect(seen.stderr).toBe("oops\n");
    expect(seen.failed).toBeUndefined();
    expect(guest.exited).toBe(true);
  });

  it("starts hundreds asked for at once while the host is too busy to accept connections", async () => {
    const client = await startClient();
    const runs = Array.from({ length: 300 }, (_, i) => {
      const run = sh(client, 'read line; echo "$line"');
      run.guest.write(`run ${i}\n`);
      return run;
    });
    // The host's event loop is blocked: the spawner's connections pile up in the listen queue.
    const until = Date.now() + 1_500;
    while (Date.now() < until) {}
    const ends = await Promise.all(runs.map((run) => run.seen.closed));
    expect(ends.every((end) => end.code === 0)).toBe(true);
    expect(runs.map((run) => run.seen.stdout)).toEqual(runs.map((_, i) => `run ${i}\n`));
    expect(runs.filter((run) => run.seen.failed !== undefined)).toEqual([]);
  }, 60_000);

  it("says why a program could not start", async () => {
    const client = await startClient();
    const guest = client.spawn(
      { command: "/nonexistent/deno", args: [], cwd: "/", env: {} },
      {
        stdout: () => {},
        stderr: () => {},
        failed: (error) => {
          failure = error.message;
        },
        closed: (code, signal) => {
          ended = { code, signal };
        },
      },
    );
    let failure: string | undefined;
    let ended: object | undefined;
    await waitFor(() => ended !== undefined);
    expect(failure).toMatch(/ENOENT/);
    expect(ended).toEqual({ code: null, signal: null });
    expect(guest.pid).toBeUndefined();
  });

  it("kills a process asked to die before it ran, once it runs", async () => {
    const client = await startClient();
    const { guest, seen } = sh(client, "sleep 30");
    guest.kill();
    expect(await seen.closed).toEqual({ code: null, signal: "SIGKILL" });
  });

  it("closes a connection that does not open with the secret, and the run goes on", async () => {
    const client = await startClient();
    const { guest, seen } = sh(client, 'read line; echo "got:$line"');
    await waitFor(() => seen.pid !== undefined);
    for (const head of ["0000 1 1\n", `${"ab".repeat(32)} 1 0\n`, "x".repeat(300)]) {
      const socket = connect(client.socketPath);
      socket.on("error", () => {});
      socket.write(head);
      await new Promise((resolve) => socket.once("close", resolve));
    }
    guest.write("still mine\n");
    expect(await seen.closed).toEqual({ code: 0, signal: null });
    expect(seen.stdout).toBe("got:still mine\n");
  });

  it("when it dies, kills what it started, reports it gone, and the next spawn starts a new one", async () => {
    const client = await startClient();
    const { seen } = sh(client, "sleep 30");
    await waitFor(() => seen.pid !== undefined);
    const first = client.spawnerPid!;
    process.kill(first, "SIGKILL");
    expect(await seen.closed).toEqual({ code: null, signal: "SIGKILL" });
    await waitFor(() => !alive(seen.pid!));

    const next = sh(client, "echo again");
    expect(await next.seen.closed).toEqual({ code: 0, signal: null });
    expect(next.seen.stdout).toBe("again\n");
    expect(client.spawnerPid).not.toBe(first);
  });

  it("keeps running, and keeps what it runs, on SIGINT and SIGTERM (a Ctrl-C reaches the whole group)", async () => {
    const client = await startClient();
    const { guest, seen } = sh(client, 'read line; echo "got:$line"');
    await waitFor(() => seen.pid !== undefined);
    const spawner = client.spawnerPid!;
    process.kill(spawner, "SIGINT");
    process.kill(spawner, "SIGTERM");
    await new Promise((r) => setTimeout(r, 200)); // signals are handled within a turn of its loop
    expect(alive(spawner)).toBe(true);
    guest.write("after the signals\n");
    expect(await seen.closed).toEqual({ code: 0, signal: null });
    expect(seen.stdout).toBe("got:after the signals\n");
    expect(client.spawnerPid).toBe(spawner);
  });

  it("runs in a session of its own, so a signal to the server's process group never reaches it", async () => {
    const client = await startClient();
    const { seen } = sh(client, "echo up");
    expect(await seen.closed).toEqual({ code: 0, signal: null });
    // /proc/<pid>/stat: "pid (comm) state ppid pgrp session ...".
    const groupAndSession = (pid: number | "self") =>
      readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ").slice(2, 4).map(Number);
    const [spawnerGroup, spawnerSession] = groupAndSession(client.spawnerPid!);
    const [ourGroup, ourSession] = groupAndSession("self");
    expect(spawnerGroup).toBe(client.spawnerPid);
    expect(spawnerSession).toBe(client.spawnerPid);
    expect(spawnerGroup).not.toBe(ourGroup);
    expect(spawnerSession).not.toBe(ourSession);
  });

  it("close() ends the spawner and what it still runs, and removes its socket", async () => {
    const client = await startClient();
    const { seen } = sh(client, "sleep 30");
    await waitFor(() => seen.pid !== undefined);
    const spawner = client.spawnerPid!;
    await client.close(0);
    await waitFor(() => !alive(spawner) && !alive(seen.pid!));
    expect(existsSync(dirname(client.socketPath))).toBe(false);
  });
});
