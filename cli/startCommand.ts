/** `fluxbase start` / `fluxbase worker`: run until SIGINT or SIGTERM, then stop gracefully and exit 0. */
import { parseArgs } from "node:util";
import { createFluxbase } from "../server/app.ts";
import type { FluxbaseOptions } from "../server/config/types.ts";

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
    `  jobs dir:     ${fluxbase.config.jobs.dir}`,
    "",
    "  Mint a user token with: npx fluxbase token --sub <uuid> --email you@example.com",
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  // `on`, not `once`: a signal arriving with no listener left would end the process before the drain
  // (tsx's loader exits when it sees none), and a second signal during the drain is simply ignored.
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      fluxbase.logger.info(`received ${signal}, shutting down`);
      resolve();
    };
    process.on("SIGINT", () => shutdown("SIGINT"));
    process.on("SIGTERM", () => shutdown("SIGTERM"));
  });
  await fluxbase.stop();
  fluxbase.logger.info("stopped");
  return 0;
}
