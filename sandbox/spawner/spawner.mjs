/**
 * The spawner: a small Node process of the server's that starts every Deno job process, so the fork
 * and exec never block the server's event loop (a fork's cost grows with the forking process's
 * memory: ~4 ms here at 47 MB, ~20 ms at 900 MB, and Node's spawn waits for the exec). Plain
 * JavaScript without imports beyond Node's, so it starts in a few tens of milliseconds from the
 * sources and from the package alike (sandbox/host/spawnerClient.ts starts it).
 *
 * The server sends `{ t: "config", socketPath, secret }` once, then `{ t: "spawn", id, command,
 * args, cwd, env }` per process. For each, the spawner opens three connections to the server's Unix
 * socket, says `<secret> <id> <fd>` on each, and hands them to the child as its stdin, stdout and
 * stderr; its own copies are closed at once (never shut down: the child shares them), so the job's
 * bytes flow between Deno and the server directly. It answers `spawned` (with the pid) or `failed`,
 * later `exit`. Deno's process group and priority are the server's business (it kills by pid).
 *
 * When the server goes, so does the spawner: the kernel's parent-death signal where the server
 * started it through setpriv, and the IPC channel's end everywhere, after which it kills what it
 * started. A job process started through setpriv dies with the spawner the same way.
 */
import { spawn } from "node:child_process";
import { connect } from "node:net";

/** @type {{ socketPath: string, secret: string } | undefined} */
let config;
/** @type {Map<number, import("node:child_process").ChildProcess>} */
const live = new Map();

const send = (message) => {
  if (process.connected) process.send(message);
};

/** Starts in progress at once: each holds three connections, and the host's listen queue is finite. */
const MAX_STARTING = 8;
let starting = 0;
const waiting = [];

process.on("message", (message) => {
  if (message.t === "config") config = message;
  else if (message.t === "spawn") {
    waiting.push(message);
    startWaiting();
  }
});

function startWaiting() {
  while (starting < MAX_STARTING && waiting.length > 0) {
    starting++;
    void start(waiting.shift()).finally(() => {
      starting--;
      startWaiting();
    });
  }
}

// A terminal's Ctrl-C (SIGINT) reaches every process of the server's group, and a service manager's
// SIGTERM often every process of the service: the server then drains its running jobs, which this
// process must keep running, and closes the channel when done.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});

process.on("disconnect", () => {
  for (const child of live.values()) killGroup(child.pid);
  process.exit(0);
});

async function start(request) {
  const { id } = request;
  if (!config) return send({ t: "failed", id, message: "the spawner was not configured" });
  const connected = await Promise.allSettled([0, 1, 2].map((fd) => connectStdio(config, id, fd)));
  const sockets = connected.flatMap((c) => (c.status === "fulfilled" ? [c.value] : []));
  const refused = connected.find((c) => c.status === "rejected");
  if (refused) {
    for (const socket of sockets) socket.destroy();
    return send({ t: "failed", id, message: `could not connect its stdio: ${refused.reason.message}` });
  }
  let child;
  try {
    child = spawn(request.command, request.args, {
      cwd: request.cwd,
      env: request.env,
      stdio: sockets,
      detached: true,
    });
  } catch (error) {
    for (const socket of sockets) socket.destroy();
    return send({ t: "failed", id, message: error.message });
  }
  for (const socket of sockets) socket.destroy();
  if (child.pid === undefined) {
    child.once("error", (error) => send({ t: "failed", id, message: error.message }));
    return;
  }
  live.set(id, child);
  child.on("error", () => {});
  child.on("exit", (code, signal) => {
    live.delete(id);
    send({ t: "exit", id, code, signal });
  });
  send({ t: "spawned", id, pid: child.pid });
}

/** Errors of a host too busy to accept at once (its listen queue full): worth another try. */
const BUSY = new Set(["EAGAIN", "EPIPE", "ECONNRESET", "ERR_SOCKET_CLOSED_BEFORE_CONNECTION"]);
const CONNECT_TRIES = 50;

/** A connection to the server that says which run and stream it is, retried while the host is busy. */
async function connectStdio(config, id, fd) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectOnce(config, id, fd);
    } catch (error) {
      if (attempt >= CONNECT_TRIES || !BUSY.has(error.code)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, 2 ** attempt)));
    }
  }
}

/** Resolves once the line `<secret> <id> <fd>` is written. */
function connectOnce({ socketPath, secret }, id, fd) {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const fail = (error) => {
      socket.destroy();
      reject(error);
    };
    socket.once("error", fail);
    socket.write(`${secret} ${id} ${fd}\n`, (error) => {
      if (error) return fail(error);
      socket.off("error", fail);
      socket.on("error", () => {});
      resolve(socket);
    });
  });
}

function killGroup(pid) {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}
