/** `fluxbase start` / `fluxbase worker`: run until SIGINT or SIGTERM, then stop gracefully and exit 0. */
import { Command, Option } from "commander";
import type { FluxbaseOptions } from "../server/config/types.ts";
import { waitForShutdown } from "../server/waitForShutdown.ts";
import { intFlag } from "./cliErrors.ts";
import { act } from "./commandKit.ts";

interface StartFlags {
  role?: FluxbaseOptions["role"];
  port?: string;
  host?: string;
}

export function startCommand(): Command {
  return withServerFlags(new Command("start").description("Start the server (API + workers by default)"))
    .addOption(
      new Option("--role <role>", "all: API and workers; api: HTTP only; worker: workers only").choices([
        "all",
        "api",
        "worker",
      ]),
    )
    .action(act((flags: StartFlags) => start(flags)));
}

export function workerCommand(): Command {
  return withServerFlags(new Command("worker").description("Start workers only (no HTTP)")).action(
    act((flags: StartFlags) => start({ ...flags, role: "worker" })),
  );
}

function withServerFlags(command: Command): Command {
  return command
    .option("--port <port>", "HTTP port (default: FLUXBASE_PORT, else 8080)")
    .option("--host <host>", "Address to listen on (default: FLUXBASE_HOST, else 127.0.0.1)")
    .addHelpText(
      "after",
      "\nEvery other setting comes from FLUXBASE_* variables or fluxbase.yaml (docs/configuration.md).",
    );
}

async function start(flags: StartFlags): Promise<number> {
  const options: FluxbaseOptions = {};
  if (flags.role) options.role = flags.role;
  if (flags.port) options.port = intFlag("port", flags.port);
  if (flags.host) options.host = flags.host;
  const { createFluxbase } = await import("../server/app.ts");
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
