/**
 * What a function may import at load time, when the server (not the sandbox) fetches its remote
 * code: the same network rules as its runs. `npm:` and `jsr:` come from their registries; an
 * `http(s):` import needs its host in the function's `@fluxbase:allow-net`, and never reaches a
 * loopback, private or link-local address unless the operator sets
 * FLUXBASE_JOBS_IMPORT_ALLOW_PRIVATE (link-local never). Modules those imports pull in may only come
 * from the same hosts (`deno cache --allow-import`).
 */
import { refusedTarget } from "../net/addressRules.ts";
import type { RemoteImport } from "./cacheRemoteImports.ts";

const URL_IMPORT = /^https?:/;
/** Where `jsr:` modules come from; `npm:` packages come through the npm registry, not imports. */
const REGISTRY_IMPORT_HOSTS = ["jsr.io"];

export interface ImportCheck {
  /** Why an import is refused (naming it and what to do), or undefined. */
  error?: string;
  /** `host:port` of every URL import and the registries' hosts, for `--allow-import`. */
  hosts: string[];
}

export async function checkImports(
  imports: RemoteImport[],
  allowNet: boolean | string[],
  allowPrivate: boolean,
): Promise<ImportCheck> {
  const hosts = new Set<string>();
  for (const { specifier } of imports) {
    if (!URL_IMPORT.test(specifier)) continue;
    const url = new URL(specifier);
    const port = url.port || (url.protocol === "https:" ? "443" : "80");
    const hostPort = `${url.hostname}:${port}`;
    const granted =
      allowNet === true ||
      (Array.isArray(allowNet) && (allowNet.includes(url.hostname) || allowNet.includes(hostPort)));
    if (!granted) {
      return {
        error: `cannot import ${specifier}: add \`@fluxbase:allow-net ${url.port ? hostPort : url.hostname}\` (a function imports only from hosts it may reach)`,
        hosts: [],
      };
    }
    const refused = await refusedTarget(specifier, allowPrivate, "FLUXBASE_JOBS_IMPORT_ALLOW_PRIVATE");
    if (refused) return { error: `cannot import ${specifier}: ${refused}`, hosts: [] };
    hosts.add(hostPort);
  }
  return { hosts: [...REGISTRY_IMPORT_HOSTS, ...hosts] };
}
