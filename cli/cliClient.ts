/** The SDK client of the commands that talk to a running server (see serverConnection.ts). */
import type { FluxbaseClient } from "../sdk/src/index.ts";
import { CliError } from "./cliErrors.ts";
import type { ConnectionFlags } from "./commandKit.ts";
import { resolveTarget } from "./serverConnection.ts";

/** A client for the running server, as the service role unless `--token` names a user. */
export async function cliClient(flags: ConnectionFlags): Promise<FluxbaseClient> {
  const { url, key } = await resolveTarget(flags);
  const { createClient } = await import("../sdk/src/index.ts");
  try {
    return createClient(url, key);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}
