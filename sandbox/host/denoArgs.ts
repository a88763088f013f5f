/**
 * Turns a run's permissions into `deno run` flags. Everything is explicit: no config file, no lock
 * file, no prompts, remote and npm modules only from the cache the loader filled (--cached-only), and
 * never --allow-run, --allow-ffi, --allow-sys or --allow-all. Deno itself keeps /proc and /dev behind --allow-all, so /proc/self/environ and the
 * guest's own pipes stay out of reach whatever paths a function is granted.
 */
import { isAbsolute, resolve } from "node:path";
import type { SandboxPermissions } from "./types.ts";

export interface DenoArgsInput {
  permissions: SandboxPermissions;
  serverUrl: string;
  deniedNet: string[];
  envNames: string[];
  memoryMb: number;
  /** Resolves relative permission paths. */
  cwd: string;
  /** Files the guest must read: the Worker module and the job bundle. */
  guestFiles: string[];
  /** Never readable or writable by a job unless granted a more specific path inside it. */
  protectedDirs: string[];
  /** The run's own origin: keys its localStorage (see runStorage.ts). */
  location: string;
  mainPath: string;
}

export function buildDenoArgs(input: DenoArgsInput): string[] {
  const { permissions } = input;
  const server = serverHost(input.serverUrl);
  const args = [
    "run",
    "--no-prompt",
    "--no-config",
    "--no-lock",
    "--cached-only",
    // Remote modules come only from the pre-filled cache, so allowing their import fetches nothing.
    "--allow-import",
    `--location=${input.location}`,
    `--v8-flags=--max-old-space-size=${Math.max(16, Math.floor(input.memoryMb))}`,
  ];

  // Module loading of a Worker and of import() is subject to --allow-read, hence the guest files.
  const read = [...input.guestFiles, ...paths(permissions.read, input.cwd)];
  args.push(`--allow-read=${list(read)}`);
  const write = paths(permissions.write, input.cwd);
  if (write.length > 0) args.push(`--allow-write=${list(write)}`);
  // A more specific allow beats a broader deny in Deno, so this keeps the data dir (JWT secret,
  // Postgres files, other jobs' code) closed even to `allow-read /` while the guest files stay open.
  args.push(`--deny-read=${list(input.protectedDirs)}`, `--deny-write=${list(input.protectedDirs)}`);

  if (permissions.net === true) {
    args.push("--allow-net");
  } else {
    const hosts = Array.isArray(permissions.net) ? permissions.net : [];
    args.push(`--allow-net=${list([server, ...hosts.map(checkHost)])}`);
  }
  // Deny wins over a host list too: `allow-net localhost` must not open the database port.
  const denied = input.deniedNet.flatMap(widenLoopback);
  if (denied.length > 0) args.push(`--deny-net=${list(denied)}`);

  // Only the names that are set: reading anything else is a PermissionDenied, not an undefined.
  if (input.envNames.length > 0) args.push(`--allow-env=${list(input.envNames)}`);

  args.push(input.mainPath);
  return args;
}

/** `host:port` of the server, with the default port made explicit (a bare host would allow all ports). */
export function serverHost(serverUrl: string): string {
  const url = new URL(serverUrl);
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return `${url.hostname}:${port}`;
}

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|::1?)$/i;

/**
 * Deno checks the resolved address, so denying 127.0.0.1:5432 also covers localhost:5432, but not
 * 127.0.0.2, [::1] or 0.0.0.0, which reach the same listener. A loopback `host:port` denies all of them.
 */
export function widenLoopback(entry: string): string[] {
  checkHost(entry);
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(entry) ?? /^([^:]+):(\d+)$/.exec(entry);
  if (!match || !LOOPBACK.test(match[1]!)) return [entry];
  const port = match[2];
  return [`127.0.0.0/8:${port}`, `[::1]:${port}`, `0.0.0.0:${port}`, `[::]:${port}`, `localhost:${port}`];
}

function paths(list: string[], cwd: string): string[] {
  return list.map((p) => {
    if (p.length === 0 || p.includes(",") || p.includes("\0")) {
      throw new TypeError(`Permission path ${JSON.stringify(p)} is empty or contains a comma or NUL`);
    }
    return isAbsolute(p) ? p : resolve(cwd, p);
  });
}

function checkHost(host: string): string {
  if (!/^[A-Za-z0-9.:[\]/_-]+$/.test(host)) throw new TypeError(`Not a host name: ${JSON.stringify(host)}`);
  return host;
}

function list(items: string[]): string {
  return [...new Set(items)].join(",");
}
