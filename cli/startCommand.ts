/** `fluxbase start` / `fluxbase worker`: run until SIGINT or SIGTERM, then stop gracefully and exit 0. */
import { parseArgs } from "node:util";
import { createFluxbase } from "../server/app.ts";
import type { FluxbaseOptions } from "../server/config/types.ts";
import { waitForShutdown } from "../server/waitForShutdown.ts";

export async function startCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { role: { type: "string" }, port: { type: "string" }, host: { type: "string" } },
    strict: true,
  });
  const options: FluxbaseOptions = {};
  if (values.role) options.role = values.role as FluxbaseOptions["role"];
  if (values.port) options.port = Number(values.port);
  if (values.host) options.host = values.host;
  const fluxbase = createFluxbase({ options });
  // Listening from the start: a SIGTERM during a slow first start-up still gets a clean stop after it.
  const shutdown = waitForShutdown();
  const started = await fluxbase.start();
  const lines = [
    "",
    started.url
      ? `  Fluxbase is running at ${started.url}`
      : "  Fluxbase workers are running (no HTTP server)",
    "",
    `  API URL:      ${started.url || "-"}`,
    `  anon key:     ${started.anonKey}`,
    `  service key:  ${started.serviceKey}`,
    `  data dir:     ${fluxbase.config.dataDir}`,
    ...(started.embeddedDatabase?.relocatedBecause
      ? [`  database dir: ${started.embeddedDatabase.dir} (${started.embeddedDatabase.relocatedBecause})`]
      : []),
    `  jobs dir:     ${fluxbase.config.jobs.dir}`,
    "",
    "  Mint a user token with: npx fluxbase token --sub <uuid> --email you@example.com",
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  const reason = await shutdown;
  fluxbase.logger.info(`${reason.startsWith("SIG") ? `received ${reason}` : reason}, shutting down`);
  await fluxbase.stop();
  fluxbase.logger.info("stopped");
  return 0;
}
