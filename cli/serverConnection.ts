/**
 * Where the running server is and which key speaks for the operator, for the commands that talk to it
 * over HTTP. URL: `--url`, else FLUXBASE_URL, else the configured host and port. Service key:
 * FLUXBASE_SERVICE_KEY, else derived from the JWT secret like `fluxbase keys`.
 */
import { ensureSecret } from "../server/auth/jwtSecret.ts";
import { projectKeys } from "../server/auth/mintToken.ts";
import { resolveConfig } from "../server/config/resolveConfig.ts";

/** The server's base URL, without a trailing slash. The configuration is read only when needed. */
export function resolveServerUrl(urlOption?: string): string {
  const explicit = urlOption ?? process.env.FLUXBASE_URL;
  if (explicit) return explicit.replace(/\/+$/, "");
  const config = resolveConfig();
  const host = ["0.0.0.0", "::", ""].includes(config.host) ? "127.0.0.1" : config.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${config.port}`;
}

/** The service key: FLUXBASE_SERVICE_KEY, else the one derived from the project's JWT secret. */
export async function resolveServiceKey(): Promise<string> {
  if (process.env.FLUXBASE_SERVICE_KEY) return process.env.FLUXBASE_SERVICE_KEY;
  const config = resolveConfig();
  return (await projectKeys(ensureSecret(config.jwtSecret, config.dataDir, "jwt_secret"))).serviceKey;
}
