/** The `fluxbase` command as a user runs it. */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { fluxbaseArgs } from "../support/runCli.ts";

let dataDir: string;
let db: TestDatabase;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-cli-"));
  // The JWT secret a server keeps in its data dir; keys and token read it and never create one.
  writeFileSync(path.join(dataDir, "jwt_secret"), `${randomBytes(48).toString("base64url")}\n`);
  db = await createTestDatabase();
});
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await db.drop();
});

function fluxbase(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [...fluxbaseArgs, ...args], {
    env: { PATH: process.env.PATH ?? "", FLUXBASE_DATA_DIR: dataDir, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("fluxbase CLI", () => {
  it("keys prints stable anon and service keys", () => {
    const first = fluxbase(["keys"]);
    expect(first.code).toBe(0);
    const [anon, service] = [...first.stdout.matchAll(/key:\s+(\S+)/g)].map((m) => m[1]!);
    expect(decodeJwt(anon!)).toMatchObject({ role: "anon" });
    expect(decodeJwt(service!)).toMatchObject({ role: "service_role" });
    expect(fluxbase(["keys"]).stdout).toBe(first.stdout);
  });

  it("token mints a user token with the given claims", () => {
    const sub = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b";
    const out = fluxbase([
      "token",
      "--sub",
      sub,
      "--email",
      "a@example.com",
      "--role",
      "admin",
      "--expires",
      "2h",
    ]);
    expect(out.code).toBe(0);
    const claims = decodeJwt(out.stdout.trim());
    expect(claims).toMatchObject({ sub, email: "a@example.com", role: "admin" });
    expect(claims.exp! - claims.iat!).toBe(7200);
    const seconds = decodeJwt(fluxbase(["token", "--sub", sub, "--expires", "90"]).stdout.trim());
    expect(seconds.exp! - seconds.iat!).toBe(90);
  });

  it("token refuses a bad sub or a reserved role with a clear message", () => {
    const badSub = fluxbase(["token", "--sub", "alice"]);
    expect(badSub.code).toBe(1);
    expect(badSub.stderr).toMatch(/--sub must be a uuid/);
    const badRole = fluxbase(["token", "--role", "postgres"]);
    expect(badRole.code).toBe(1);
    expect(badRole.stderr.trim()).toBe(
      'fluxbase: The token\'s role claim is not an allowed role: "postgres"',
    );
    const badExpiry = fluxbase(["token", "--expires", "soon"]);
    expect(badExpiry.code).toBe(1);
    expect(badExpiry.stderr).toMatch(/--expires takes seconds or a span/);
    const unknownFlag = fluxbase(["token", "--colour", "blue"]);
    expect(unknownFlag.code).toBe(1);
    expect(unknownFlag.stderr.split("\n").filter(Boolean)).toHaveLength(1);
  });

  it("migrate applies nothing to an up-to-date database", () => {
    const out = fluxbase(["migrate"], { FLUXBASE_DATABASE_URL: db.url });
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/up to date/);
  });

  it("start fails with one clear line on bad configuration", () => {
    const out = fluxbase(["start"], { FLUXBASE_PORT: "eighty" });
    expect(out.code).toBe(1);
    expect(out.stderr.trim()).toBe('fluxbase: Invalid FLUXBASE_PORT: expected a whole number, got "eighty"');
  });

  it("answers an unknown command with the usage", () => {
    const out = fluxbase(["frobnicate"]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/Unknown command "frobnicate"/);
    expect(out.stderr).toMatch(/Usage: fluxbase/);
  });
});
