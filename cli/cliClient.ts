/**
 * The SDK client the job, worker and function commands use: the server from `--url` (else FLUXBASE_URL,
 * else the configured host and port), acting with `--token` when given, else with the service key.
 */
import { createClient, type FluxbaseClient } from "../sdk/src/index.ts";
import { CliError } from "./cliErrors.ts";
import { resolveServerUrl, resolveServiceKey } from "./serverConnection.ts";

/** The flags every server command takes, for `parseArgs`. */
export const connectionFlags = {
  url: { type: "string" },
  token: { type: "string" },
} as const;

/** A client for the running server, as the service role unless `token` names a user. */
export async function cliClient(flags: { url?: string; token?: string }): Promise<FluxbaseClient> {
  const url = resolveServerUrl(flags.url);
  const key = flags.token || (await resolveServiceKey());
  try {
    return createClient(url, key);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}
