import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "../../server/auth/mintToken.ts";
import { openSecret } from "../../server/secrets/cipher.ts";
import { keyringFor } from "../../server/secrets/encryptionKey.ts";
import { runCli } from "../support/runCli.ts";
import { startTestServer, type TestServer, type TestUser, testJwtSecret } from "../support/server.ts";

let server: TestServer;
let alice: TestUser;
let cliDataDir: string;

beforeAll(async () => {
  server = await startTestServer();
  alice = await server.user();
  cliDataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-cli-"));
});

afterAll(async () => {
  await server?.stop();
  rmSync(cliDataDir, { recursive: true, force: true });
});

/** Runs the CLI the way a person would, in its own process (the server keeps serving meanwhile). */
const fluxbase = (args: string[], options?: { env?: Record<string, string>; stdin?: string }) =>
  runCli({ url: server.url, dataDir: cliDataDir }, args, options);
const secrets = (...args: string[]) => fluxbase(["settings", "secrets", ...args]);

async function storedValue(name: string, namespace: string | null = null, userId: string | null = null) {
  const [row] = await server.db.sql<any[]>`
    select * from jobs.secrets where name = ${name} and namespace is not distinct from ${namespace}
      and user_id is not distinct from ${userId}::uuid`;
  if (!row) return undefined;
  return openSecret(
    keyringFor(server.fluxbase.config),
    { name, namespace, userId },
    { ciphertext: row.ciphertext, nonce: row.nonce, keyId: row.key_id },
  );
}

describe("fluxbase settings secrets", { timeout: 60_000 }, () => {
  it("sets a system secret, then updates it", async () => {
    const created = await secrets("set", "stripe_api_key", "sk_live_from_cli_1");
    expect(created).toMatchObject({ code: 0, stderr: "" });
    expect(created.stdout).toBe('Created secret "stripe_api_key" (global, system)\n');
    expect(await storedValue("stripe_api_key")).toBe("sk_live_from_cli_1");

    const updated = await secrets("set", "stripe_api_key", "sk_live_from_cli_2");
    expect(updated.stdout).toBe('Updated secret "stripe_api_key" (global, system)\n');
    expect(await storedValue("stripe_api_key")).toBe("sk_live_from_cli_2");
  });

  it("maps --namespace and --user onto the secret's scope, and reads `-` from stdin", async () => {
    const scoped = await secrets("set", "webhook_secret", "whsec_billing_cli", "--namespace", "billing");
    expect(scoped.stdout).toBe('Created secret "webhook_secret" (namespace billing, system)\n');
    expect(await storedValue("webhook_secret", "billing")).toBe("whsec_billing_cli");

    const piped = await fluxbase(["settings", "secrets", "set", "personal", "-", "--user", alice.id], {
      stdin: "from stdin, not the shell history\n",
    });
    expect(piped.stdout).toBe(`Created secret "personal" (global, user ${alice.id})\n`);
    expect(await storedValue("personal", null, alice.id)).toBe("from stdin, not the shell history");
    const mine = await server.request("GET", "/api/v1/secrets/personal", { token: alice.token });
    expect(mine.status).toBe(200);
  });

  it("lists names and scopes, never values", async () => {
    const list = await secrets("list");
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+SCOPE\s+NAMESPACE\s+USER\s+UPDATED$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 3))).toEqual([
      ["stripe_api_key", "system", "(global)"],
      ["webhook_secret", "system", "billing"],
      ["personal", "user", "(global)"],
    ]);
    expect(list.stdout).not.toMatch(/sk_live|whsec_|from stdin/);

    const billing = await secrets("list", "--namespace", "billing", "--json");
    const body = JSON.parse(billing.stdout);
    expect(body.count).toBe(1);
    expect(body.secrets[0]).toMatchObject({ name: "webhook_secret", namespace: "billing" });
    expect(billing.stdout).not.toContain("whsec_");
  });

  it("gets a secret's metadata; the value is write-only", async () => {
    const got = await secrets("get", "stripe_api_key");
    expect(got.code).toBe(0);
    expect(got.stdout).toMatch(
      /^"stripe_api_key" \(global, system\)\n {2}created: \S+\n {2}updated: \S+\n {2}value: {3}\(write-only\)\n$/,
    );
    expect(got.stdout).not.toContain("sk_live");
    const scoped = await secrets("get", "webhook_secret", "--namespace", "billing", "--json");
    expect(JSON.parse(scoped.stdout)).toMatchObject({ name: "webhook_secret", namespace: "billing" });
  });

  it("deletes a secret, and says so when there is nothing to delete", async () => {
    const deleted = await secrets("delete", "webhook_secret", "--namespace", "billing");
    expect(deleted).toMatchObject({
      code: 0,
      stdout: 'Deleted secret "webhook_secret" (namespace billing, system)\n',
    });
    expect(await storedValue("webhook_secret", "billing")).toBeUndefined();
    const again = await secrets("delete", "webhook_secret", "--namespace", "billing");
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      'fluxbase: No secret "webhook_secret" (namespace "billing", system) (SECRET_NOT_FOUND)\n',
    );
    const missing = await secrets("get", "never_set");
    expect(missing).toMatchObject({ code: 1, stdout: "" });
    expect(missing.stderr).toContain("(SECRET_NOT_FOUND)");
  });

  it("reports mistakes in one line and exits 1: bad names, usage, a wrong key, no server", async () => {
    const userToken = await mintToken(testJwtSecret, { role: "authenticated", sub: alice.id });
    // Independent invocations, run side by side: each CLI start costs a second of TypeScript loading.
    const [badName, usage, unknownFlag, notAdmin, wrongSecret, down] = await Promise.all([
      secrets("set", "bad-name", "v"),
      secrets("set", "only_a_name"),
      secrets("list", "--nope"),
      fluxbase(["settings", "secrets", "list"], { env: { FLUXBASE_SERVICE_KEY: userToken } }),
      fluxbase(["settings", "secrets", "list"], {
        env: { FLUXBASE_AUTH_JWT_SECRET: "another-secret-another-secret-another-secret" },
      }),
      secrets("list", "--url", "http://127.0.0.1:1"),
    ]);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toMatch(/^fluxbase: Invalid secret name: .* \(VALIDATION_ERROR\)\n$/);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain("fluxbase: expected `settings secrets set <name> <value>`");
    expect(usage.stderr).not.toMatch(/\n\s+at /);
    expect(unknownFlag.code).toBe(1);
    expect(unknownFlag.stderr).toMatch(/^fluxbase: Unknown option '--nope'/);
    expect(notAdmin.code).toBe(1);
    expect(notAdmin.stderr).toContain("(ADMIN_REQUIRED)");
    expect(wrongSecret.code).toBe(1);
    expect(wrongSecret.stderr).toContain("(INVALID_TOKEN)");
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^fluxbase: could not reach the server at http:\/\/127\.0\.0\.1:1: /);

    const help = await fluxbase(["settings", "secrets", "help"]);
    expect(help).toMatchObject({ code: 0 });
    expect(help.stdout).toContain("Usage: fluxbase settings secrets <command>");
  });
});
