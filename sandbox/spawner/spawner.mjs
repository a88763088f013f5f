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

process.on("message", (message) => {
  if (message.t === "config") config = message;
  else if (message.t === "spawn") void start(message);
});

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

/** A connection to the server that says which run and stream it is, once that line is written. */
function connectStdio({ socketPath, secret }, id, fd) {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    socket.once("error", reject);
    socket.write(`${secret} ${id} ${fd}\n`, (error) => {
      if (error) return reject(error);
      socket.off("error", reject);
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
