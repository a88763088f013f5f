/** `fluxbase keys` and `fluxbase token`: print the project's keys, mint development tokens. */
import { randomUUID } from "node:crypto";
import { Command } from "commander";
import { apiKeyCommands } from "./apiKeysCommand.ts";
import { CliError } from "./cliErrors.ts";
import { act, type OutputFlags, wantsJson, withOutput } from "./commandKit.ts";
import { printJson } from "./output.ts";
import { projectConfig, projectKeys, projectSecret } from "./serverConnection.ts";

export function keysCommand(): Command {
  const keys = withOutput(
    new Command("keys")
      .description("Print the project's keys; create, list and revoke API keys")
      .addHelpText(
        "after",
        "\nThe anon and service keys derive from the JWT secret the server keeps in its data dir (or\n" +
          "FLUXBASE_AUTH_JWT_SECRET). API keys (create, list, revoke) are for programs: scoped to\n" +
          "jobs:read and/or jobs:write, optionally one namespace, revocable.",
      ),
  ).action(
    act(async (flags: OutputFlags) => {
      const project = await projectKeys(await projectConfig());
      if (wantsJson(flags)) printJson({ anon_key: project.anonKey, service_key: project.serviceKey });
      else process.stdout.write(`anon key:     ${project.anonKey}\nservice key:  ${project.serviceKey}\n`);
      return 0;
    }),
  );
  keys.enablePositionalOptions();
  for (const command of apiKeyCommands()) keys.addCommand(command);
  return keys;
}

interface TokenFlags {
  sub?: string;
  email?: string;
  role: string;
  expires: string;
}

const span = /^\d+\s*(s|sec|secs|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?|y|years?)$/;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function tokenCommand(): Command {
  return new Command("token")
    .description("Mint a user token for development")
    .option("--sub <uuid>", "The user's id (default: a new random uuid)")
    .option("--email <email>", "The email claim")
    .option("--role <role>", "The role claim", "authenticated")
    .option("--expires <span>", "Seconds, or a span like 30m, 1h, 7d", "1h")
    .action(
      act(async (flags: TokenFlags) => {
        const { resolveRole } = await import("../server/auth/roles.ts");
        resolveRole(flags.role);
        const sub = flags.sub ?? randomUUID();
        if (!uuid.test(sub)) throw new CliError(`--sub must be a uuid, got ${sub}`);
        const expires = flags.expires;
        if (!/^\d+$/.test(expires) && !span.test(expires)) {
          throw new CliError(`--expires takes seconds or a span like 30m, 1h, 7d; got ${expires}`);
        }
        const { mintToken } = await import("../server/auth/mintToken.ts");
        const token = await mintToken(await projectSecret(await projectConfig()), {
          role: flags.role,
          sub,
          email: flags.email,
          expiresIn: /^\d+$/.test(expires) ? Number(expires) : expires,
        });
        process.stdout.write(`${token}\n`);
        return 0;
      }),
    );
}
