import type { FluxbaseConfig } from "../config/types.ts";
import { ConfigError } from "../errors.ts";

/** A port that cannot be listened on, as one line naming the setting and what to do. */
export function listenError(error: NodeJS.ErrnoException, config: FluxbaseConfig): Error {
  const at = `${config.host}:${config.port}`;
  if (error.code === "EADDRINUSE")
    return new ConfigError(
      `Port ${config.port} on ${config.host} is already in use (FLUXBASE_PORT). Stop the process that holds it, or set FLUXBASE_PORT (server.port in fluxbase.yaml) to a free port.`,
    );
  if (error.code === "EACCES")
    return new ConfigError(
      `Not allowed to listen on ${at} (FLUXBASE_PORT): ports below 1024 need privileges. Use a port above 1023.`,
    );
  if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND")
    return new ConfigError(
      `Cannot listen on ${at}: ${config.host} is not an address of this machine (FLUXBASE_HOST). Use 127.0.0.1, 0.0.0.0 or one of its addresses.`,
    );
  return error;
}
