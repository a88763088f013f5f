/** `fluxbase keys` and `fluxbase token`: print the project keys, mint development tokens. */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { ensureSecret } from "../server/auth/jwtSecret.ts";
import { mintToken, projectKeys } from "../server/auth/mintToken.ts";
import { resolveRole } from "../server/auth/roles.ts";
import { resolveConfig } from "../server/config/resolveConfig.ts";

function secret(): string {
  const config = resolveConfig();
  return ensureSecret(config.jwtSecret, config.dataDir, "jwt_secret");
}

export async function keysCommand(): Promise<number> {
  const keys = await projectKeys(secret());
  process.stdout.write(`anon key:     ${keys.anonKey}\nservice key:  ${keys.serviceKey}\n`);
  return 0;
}

export async function tokenCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      sub: { type: "string" },
      email: { type: "string" },
      role: { type: "string", default: "authenticated" },
      expires: { type: "string", default: "1h" },
    },
    strict: true,
  });
  resolveRole(values.role);
  const sub = values.sub ?? randomUUID();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(sub)) {
    process.stderr.write(`--sub must be a uuid, got ${sub}\n`);
    return 1;
  }
  const expires = values.expires!;
  const span = /^\d+\s*(s|sec|secs|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?|y|years?)$/;
  if (!/^\d+$/.test(expires) && !span.test(expires)) {
    process.stderr.write(`--expires takes seconds or a span like 30m, 1h, 7d; got ${expires}\n`);
    return 1;
  }
  const token = await mintToken(secret(), {
    role: values.role!,
    sub,
    email: values.email,
    expiresIn: /^\d+$/.test(expires) ? Number(expires) : expires,
  });
  process.stdout.write(`${token}\n`);
  return 0;
}
