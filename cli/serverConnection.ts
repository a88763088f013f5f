/**
 * Where the running server is and which key speaks for the operator, for the commands that talk to it.
 * URL: `--url`, else FLUXBASE_URL, else the project's host and port. Key: `--token`, else
 * FLUXBASE_SERVICE_KEY, else the service key derived from the project's JWT secret, which is found
 * the way the server keeps it (see findProjectConfig). Nothing is ever created.
 */
import type { FluxbaseConfig } from "../server/config/types.ts";
import { CliError } from "./cliErrors.ts";
import type { ConnectionFlags } from "./commandKit.ts";

export interface ServerTarget {
  /** Without a trailing slash. */
  url: string;
  key: string;
}

export async function resolveTarget(flags: ConnectionFlags): Promise<ServerTarget> {
  const url = flags.url || process.env.FLUXBASE_URL;
  const key = flags.token || process.env.FLUXBASE_SERVICE_KEY;
  if (url && key) return { url: url.replace(/\/+$/, ""), key };
  const config = await projectConfig();
  return {
    url: (url || configuredUrl(config)).replace(/\/+$/, ""),
    key: key || (await projectKeys(config)).serviceKey,
  };
}

/** The project's configuration, or a one-line error saying what to set. */
export async function projectConfig(): Promise<FluxbaseConfig> {
  const { findProjectConfig } = await import("../server/config/projectConfig.ts");
  const config = findProjectConfig();
  if (config) return config;
  throw new CliError(
    `no Fluxbase project in ${process.cwd()} or above (no .fluxbase folder): run this in your app's folder, ` +
      "or set FLUXBASE_URL and FLUXBASE_SERVICE_KEY (or FLUXBASE_DATA_DIR)",
  );
}

/** The anon and service keys of the project, from its JWT secret (configured, or the server's file). */
export async function projectKeys(config: FluxbaseConfig): Promise<{ anonKey: string; serviceKey: string }> {
  return (await import("../server/auth/mintToken.ts")).projectKeys(await projectSecret(config));
}

export async function projectSecret(config: FluxbaseConfig): Promise<string> {
  const { readSecret } = await import("../server/auth/jwtSecret.ts");
  const secret = readSecret(config.jwtSecret, config.dataDir, "jwt_secret");
  if (secret) return secret;
  throw new CliError(
    `no JWT secret in ${config.dataDir} yet: start the server once (npm start), ` +
      "or set FLUXBASE_SERVICE_KEY (or FLUXBASE_AUTH_JWT_SECRET)",
  );
}

function configuredUrl(config: FluxbaseConfig): string {
  const host = ["0.0.0.0", "::", ""].includes(config.host) ? "127.0.0.1" : config.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${config.port}`;
}
