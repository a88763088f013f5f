/**
 * Deno tells a refused job to "run again with the --allow-net flag", advice only the server could
 * follow. This rewrites each such sentence (in a job's error message, stack and log lines) into
 * what the job's author can do: the `@fluxbase:` annotation that grants it, or why nothing can.
 */
import { isAbsolute, relative } from "node:path";

export interface AdviceScope {
  /** `host:port` entries no job may reach, whatever its annotations (the database). */
  deniedNet: string[];
  /** Folders no job may read or write (the server's data dir); /proc and /dev are always closed. */
  protectedDirs: string[];
}

const DENO_REFUSAL = /Requires (\w+) access to "([^"\n]*)", run again with the --allow-\w+ flag/g;
const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|::1?|\[::1?\])$/i;

/** The text with every Deno permission refusal rewritten; other text is left as it is. */
export function adviseOnPermissions(text: string, scope: AdviceScope): string {
  if (!text.includes("run again with the --allow-")) return text;
  return text.replace(DENO_REFUSAL, (_all, kind: string, target: string) => {
    const what = `Requires ${kind} access to "${target}"`;
    return `${what}: ${advice(kind, target, scope)}`;
  });
}

function advice(kind: string, target: string, scope: AdviceScope): string {
  switch (kind) {
    case "net": {
      const { host, port } = splitHostPort(target);
      if (scope.deniedNet.some((entry) => sameEndpoint(entry, host, port))) {
        return "that is the server's database, which no job may reach (not even with @fluxbase:allow-net); use the fluxbase clients the handler receives";
      }
      const grant = port === "443" || port === "80" || port === "" ? host : `${host}:${port}`;
      return `add \`@fluxbase:allow-net ${grant}\` to the function's annotations`;
    }
    case "read":
    case "write": {
      if (isClosed(target, scope.protectedDirs)) {
        return `no job may ${kind === "read" ? "read" : "write"} there (the server's data dir, /proc and /dev are closed to jobs)`;
      }
      return `add \`@fluxbase:allow-${kind} ${target}\` to the function's annotations`;
    }
    case "env":
      return `add \`@fluxbase:allow-env ${target}\` to the function's annotations (the server must have it set; names that look like secrets are never passed: store those as secrets and read them with secrets.get())`;
    case "run":
      return "jobs may not start programs, and no annotation allows it; do the work in the job's code, or call a service over HTTP (@fluxbase:allow-net)";
    case "sys":
      return "jobs may not read system information, and no annotation allows it";
    case "ffi":
      return "jobs may not load native libraries, and no annotation allows it";
    case "import":
      return "a job may import only what was fetched when the function was loaded: import the module statically at the top of the file";
    default:
      return `jobs are not granted ${kind} access`;
  }
}

function splitHostPort(target: string): { host: string; port: string } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(target);
  return { host: match?.[1] ?? target, port: match?.[2] ?? "" };
}

function sameEndpoint(entry: string, host: string, port: string): boolean {
  const denied = splitHostPort(entry);
  if (denied.port !== port) return false;
  return denied.host === host || (LOOPBACK.test(denied.host) && LOOPBACK.test(host));
}

function isClosed(target: string, protectedDirs: string[]): boolean {
  if (!isAbsolute(target)) return false;
  return [...protectedDirs, "/proc", "/dev"].some((dir) => {
    const rel = relative(dir, target);
    return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
  });
}
