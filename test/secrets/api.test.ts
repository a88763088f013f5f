/**
 * The secrets API: admins manage system secrets (global or per namespace) and any user's, users
 * manage their own, values are write-only, and nobody learns about another user's secrets.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Tx } from "../../server/db/createSql.ts";
import { type DbIdentity, withClaims } from "../../server/db/withClaims.ts";
import { openSecret } from "../../server/secrets/cipher.ts";
import { keyringFor } from "../../server/secrets/encryptionKey.ts";
import { startTestServer, type TestServer, type TestUser } from "../support/server.ts";

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;
const stderr: string[] = [];

// Everything the server logs, at debug level, is kept to check that no value ever appears in it.
process.env.TEST_LOG_LEVEL = "debug";
const realWrite = process.stderr.write.bind(process.stderr);

beforeAll(async () => {
  vi.spyOn(process.stderr, "write").mockImplementation(((chunk: string | Uint8Array, ...rest: any[]) => {
    stderr.push(String(chunk));
    return realWrite(chunk, ...rest);
  }) as typeof process.stderr.write);
  server = await startTestServer();
  [alice, bob, admin] = [await server.user(), await server.user(), await server.user("admin")];
});

afterAll(async () => {
  await server?.stop();
  vi.restoreAllMocks();
});

const call = async (
  method: string,
  route: string,
  token: string | undefined,
  body?: unknown,
): Promise<{ status: number; json: any; text: string }> => {
  const res = await server.request(method, route, { token, body });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, text };
};
const adminApi = (method: string, path: string, body?: unknown, token = server.serviceKey) =>
  call(method, `/api/v1/admin/secrets${path}`, token, body);
const userApi = (user: TestUser, method: string, path: string, body?: unknown) =>
  call(method, `/api/v1/secrets${path}`, user.token, body);

const metadataKeys = [
  "created_at",
  "created_by",
  "id",
  "name",
  "namespace",
  "scope",
  "updated_at",
  "updated_by",
  "user_id",
];

describe("admin API", () => {
  it("creates (201), updates (200), reads metadata, lists and deletes a system secret; no value is ever returned", async () => {
    const created = await adminApi("PUT", "/stripe_api_key", { value: "sk_live_admin_crud_1" });
    expect(created.status).toBe(201);
    expect(Object.keys(created.json).sort()).toEqual(metadataKeys);
    expect(created.json).toMatchObject({
      name: "stripe_api_key",
      namespace: null,
      user_id: null,
      scope: "system",
      created_by: null,
    });

    const updated = await adminApi("PUT", "/stripe_api_key", { value: "sk_live_admin_crud_2" }, admin.token);
    expect(updated.status).toBe(200);
    expect(updated.json.id).toBe(created.json.id);
    expect(updated.json.updated_by).toBe(admin.id);
    expect(new Date(updated.json.updated_at) >= new Date(created.json.updated_at)).toBe(true);

    const got = await adminApi("GET", "/stripe_api_key");
    expect(got.status).toBe(200);
    expect(Object.keys(got.json).sort()).toEqual(metadataKeys);

    const list = await adminApi("GET", "", undefined, admin.token);
    expect(list.status).toBe(200);
    expect(list.json.secrets.map((s: any) => s.name)).toContain("stripe_api_key");
    for (const s of list.json.secrets) expect(Object.keys(s).sort()).toEqual(metadataKeys);
    for (const response of [created, updated, got, list]) {
      expect(response.text).not.toContain("sk_live_admin_crud");
      expect(response.text).not.toContain("ciphertext");
    }

    const deleted = await adminApi("DELETE", "/stripe_api_key");
    expect(deleted.status).toBe(200);
    expect(deleted.json.deleted).toMatchObject({ name: "stripe_api_key", namespace: null });
    expect(await adminApi("DELETE", "/stripe_api_key")).toMatchObject({
      status: 404,
      json: { code: "SECRET_NOT_FOUND" },
    });
    expect(await adminApi("GET", "/stripe_api_key")).toMatchObject({
      status: 404,
      json: { code: "SECRET_NOT_FOUND", name: "stripe_api_key" },
    });
  });

  it("keeps a global and a namespace-scoped secret of the same name apart", async () => {
    expect((await adminApi("PUT", "/webhook_secret", { value: "whsec_global" })).status).toBe(201);
    const scoped = await adminApi("PUT", "/webhook_secret", { value: "whsec_billing", namespace: "billing" });
    expect(scoped.status).toBe(201);
    expect(scoped.json.namespace).toBe("billing");
    expect((await adminApi("GET", "/webhook_secret")).json.namespace).toBeNull();
    expect((await adminApi("GET", "/webhook_secret?namespace=billing")).json.id).toBe(scoped.json.id);
    expect((await adminApi("GET", "/webhook_secret?namespace=other")).status).toBe(404);
    const billing = await adminApi("GET", "?namespace=billing");
    expect(billing.json.secrets.map((s: any) => [s.name, s.namespace])).toEqual([
      ["webhook_secret", "billing"],
    ]);
    expect((await adminApi("DELETE", "/webhook_secret?namespace=billing")).status).toBe(200);
    expect((await adminApi("GET", "/webhook_secret")).status).toBe(200);
  });

  it("manages a user's secret through user_id, and filters the list by scope and user", async () => {
    const put = await adminApi("PUT", "/personal_token", {
      value: "pt_set_by_admin",
      user_id: alice.id.toUpperCase(),
    });
    expect(put.status).toBe(201);
    expect(put.json).toMatchObject({ user_id: alice.id, scope: "user" });
    expect((await userApi(alice, "GET", "/personal_token")).status).toBe(200);
    expect((await adminApi("GET", `/personal_token?user_id=${alice.id}`)).status).toBe(200);
    expect((await adminApi("GET", "/personal_token")).status).toBe(404);
    const users = await adminApi("GET", "?scope=user");
    expect(users.json.secrets.every((s: any) => s.user_id !== null)).toBe(true);
    expect(users.json.secrets.map((s: any) => s.name)).toContain("personal_token");
    const system = await adminApi("GET", "?scope=system");
    expect(system.json.secrets.every((s: any) => s.user_id === null)).toBe(true);
    const ofBob = await adminApi("GET", `?user_id=${bob.id}`);
    expect(ofBob.json).toEqual({ secrets: [], count: 0 });
    expect((await adminApi("DELETE", `/personal_token?user_id=${alice.id}`)).status).toBe(200);
  });

  it("stores only AES-GCM ciphertext: the plaintext is nowhere in the row, and the server's key opens it", async () => {
    const value = "sk_live_at_rest_9f8e7d6c5b4a";
    await adminApi("PUT", "/at_rest", { value, namespace: "billing" });
    const [row] = await server.db.sql<any[]>`select * from jobs.secrets where name = 'at_rest'`;
    expect(Buffer.isBuffer(row.ciphertext)).toBe(true);
    expect(row.ciphertext.includes(Buffer.from(value))).toBe(false);
    expect(row.ciphertext.toString("latin1")).not.toContain("at_rest_9f8e");
    expect(JSON.stringify(row)).not.toContain(value);
    expect(row.nonce).toHaveLength(12);
    const keyring = keyringFor(server.fluxbase.config);
    expect(row.key_id).toBe(keyring.current.id);
    const opened = openSecret(
      keyring,
      { name: row.name, namespace: row.namespace, userId: row.user_id },
      { ciphertext: row.ciphertext, nonce: row.nonce, keyId: row.key_id },
    );
    expect(opened).toBe(value);
  });

  it("answers 401 without a token and 403 to users and the anon key", async () => {
    expect(await adminApi("GET", "", undefined, "")).toMatchObject({
      status: 401,
      json: { code: "TOKEN_MISSING" },
    });
    for (const token of [alice.token, server.anonKey]) {
      expect(await adminApi("GET", "", undefined, token)).toMatchObject({
        status: 403,
        json: { code: "ADMIN_REQUIRED" },
      });
      expect((await adminApi("PUT", "/x_secret", { value: "nope" }, token)).status).toBe(403);
      expect((await adminApi("DELETE", "/x_secret", undefined, token)).status).toBe(403);
    }
    expect((await adminApi("GET", "", undefined, "not.a.jwt")).status).toBe(401);
  });
});

describe("user API", () => {
  it("lets a user create, update, read, list and delete their own secrets", async () => {
    const created = await userApi(alice, "PUT", "/openai_key", { value: "sk-alice-own-1" });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      name: "openai_key",
      user_id: alice.id,
      scope: "user",
      namespace: null,
      created_by: alice.id,
    });
    expect((await userApi(alice, "PUT", "/openai_key", { value: "sk-alice-own-2" })).status).toBe(200);
    expect(
      (await userApi(alice, "PUT", "/openai_key", { value: "sk-alice-ns", namespace: "ml" })).status,
    ).toBe(201);
    expect((await userApi(alice, "GET", "/openai_key?namespace=ml")).json.namespace).toBe("ml");
    const list = await userApi(alice, "GET", "");
    const own = list.json.secrets.filter((s: any) => s.name === "openai_key");
    expect(own.map((s: any) => [s.name, s.namespace])).toEqual([
      ["openai_key", null],
      ["openai_key", "ml"],
    ]);
    expect(list.text).not.toContain("sk-alice");
    expect((await userApi(alice, "DELETE", "/openai_key?namespace=ml")).status).toBe(200);
    expect((await userApi(alice, "GET", "?namespace=ml")).json.count).toBe(0);
  });

  it("shows a user only their own secrets: no system secrets and nobody else's", async () => {
    await adminApi("PUT", "/system_only", { value: "system-value-xyz" });
    await userApi(bob, "PUT", "/bob_thing", { value: "bob-value-xyz" });
    const list = await userApi(alice, "GET", "");
    expect(list.json.secrets.every((s: any) => s.user_id === alice.id)).toBe(true);
    expect((await userApi(alice, "GET", "/system_only")).status).toBe(404);
    expect((await userApi(alice, "DELETE", "/system_only")).status).toBe(404);
    expect((await adminApi("GET", "/system_only")).status).toBe(200);
  });

  it("never lets user B read, change or delete A's secret, nor learn that it exists", async () => {
    await userApi(alice, "PUT", "/shared_name", { value: "alice-private-value" });
    const [before] = await server.db.sql<any[]>`
      select * from jobs.secrets where name = 'shared_name' and user_id = ${alice.id}`;

    const missing = await userApi(bob, "GET", "/shared_name");
    const neverExisted = await userApi(bob, "GET", "/no_such_secret_at_all");
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe("SECRET_NOT_FOUND");
    // The same answer as for a name nobody ever used, apart from the name itself.
    expect(missing.json.error.replace("shared_name", "N")).toBe(
      neverExisted.json.error.replace("no_such_secret_at_all", "N"),
    );
    expect(missing.text).not.toContain(alice.id);
    expect((await userApi(bob, "DELETE", "/shared_name")).status).toBe(404);
    expect((await userApi(bob, "GET", "")).json.secrets.map((s: any) => s.name)).not.toContain("shared_name");
    // Bob may not aim at Alice's row through the body...
    const aimed = await userApi(bob, "PUT", "/shared_name", { value: "bob-overwrite", user_id: alice.id });
    expect(aimed).toMatchObject({ status: 400, json: { code: "VALIDATION_ERROR" } });
    // ...and a PUT of the same name makes Bob's own secret, leaving Alice's untouched.
    const own = await userApi(bob, "PUT", "/shared_name", { value: "bob-own-value" });
    expect(own.status).toBe(201);
    expect(own.json.user_id).toBe(bob.id);
    const [after] = await server.db.sql<any[]>`
      select * from jobs.secrets where name = 'shared_name' and user_id = ${alice.id}`;
    expect(after).toEqual(before);
  });

  it("enforces the same at the database: RLS on jobs.secrets, enabled and forced", async () => {
    const as = (who: TestUser | "anon"): DbIdentity =>
      who === "anon"
        ? { dbRole: "anon", claims: { role: "anon" } }
        : { dbRole: "authenticated", claims: { role: who.role, sub: who.id } };
    const run = <T>(who: TestUser | "anon", work: (tx: Tx) => Promise<T>) =>
      withClaims(server.db.sql, as(who), work);
    await userApi(alice, "PUT", "/db_level", { value: "alice-db-level" });

    const [flags] = await server.db.sql<any[]>`
      select relrowsecurity, relforcerowsecurity from pg_class where oid = 'jobs.secrets'::regclass`;
    expect(flags).toEqual({ relrowsecurity: true, relforcerowsecurity: true });
    const publicPolicies = await server.db.sql`
      select policyname from pg_policies where schemaname = 'jobs' and tablename = 'secrets'
        and 'public' = any(roles)`;
    expect(publicPolicies).toHaveLength(0);

    const bobSees = await run(bob, (tx) => tx`select user_id from jobs.secrets`);
    expect(bobSees.every((r) => r.user_id === bob.id)).toBe(true);
    const changed = await run(
      bob,
      (tx) => tx`update jobs.secrets set key_id = 'x' where name = 'db_level' returning id`,
    );
    expect(changed).toHaveLength(0);
    const removed = await run(bob, (tx) => tx`delete from jobs.secrets where name = 'db_level' returning id`);
    expect(removed).toHaveLength(0);
    await expect(
      run(
        bob,
        (tx) => tx`insert into jobs.secrets (name, user_id, ciphertext, nonce, key_id)
          values ('forged', ${alice.id}, '\\x00', ${Buffer.alloc(12)}, 'k')`,
      ),
    ).rejects.toMatchObject({ code: "42501" });
    await expect(
      run(
        bob,
        (tx) => tx`insert into jobs.secrets (name, ciphertext, nonce, key_id)
          values ('forged_system', '\\x00', ${Buffer.alloc(12)}, 'k')`,
      ),
    ).rejects.toMatchObject({ code: "42501" });
    await expect(run("anon", (tx) => tx`select * from jobs.secrets`)).rejects.toMatchObject({
      code: "42501",
    });
    const adminSees = await run(admin, (tx) => tx`select distinct user_id from jobs.secrets`);
    expect(adminSees.map((r) => r.user_id)).toEqual(expect.arrayContaining([alice.id, bob.id, null]));
  });

  it("answers 401 to the anon key and without a token, 403 to a token that has no user", async () => {
    expect(await call("GET", "/api/v1/secrets", server.anonKey)).toMatchObject({
      status: 401,
      json: { code: "USER_REQUIRED" },
    });
    expect((await call("PUT", "/api/v1/secrets/x_y", server.anonKey, { value: "v" })).status).toBe(401);
    expect(await call("GET", "/api/v1/secrets", undefined)).toMatchObject({
      status: 401,
      json: { code: "TOKEN_MISSING" },
    });
    expect(await call("GET", "/api/v1/secrets", server.serviceKey)).toMatchObject({
      status: 403,
      json: { code: "USER_REQUIRED" },
    });
  });
});

describe("bad input", () => {
  const cases: [string, string, string, unknown, string][] = [
    ["PUT", "/1starts_with_digit", "admin", { value: "v" }, "VALIDATION_ERROR"],
    ["PUT", "/has-dash", "admin", { value: "v" }, "VALIDATION_ERROR"],
    ["PUT", `/${"a".repeat(129)}`, "admin", { value: "v" }, "VALIDATION_ERROR"],
    ["PUT", "/ok_name", "admin", {}, "VALIDATION_ERROR"],
    ["PUT", "/ok_name", "admin", { value: 42 }, "VALIDATION_ERROR"],
    ["PUT", "/ok_name", "admin", { value: "" }, "VALIDATION_ERROR"],
    ["PUT", "/ok_name", "admin", { value: "a\u0000b" }, "VALIDATION_ERROR"],
    ["PUT", "/ok_name", "admin", { value: "\ud800" }, "VALIDATION_ERROR"],
    ["PUT", "/ok_name", "admin", { value: "x".repeat(64 * 1024 + 1) }, "VALIDATION_ERROR"],
    ["PUT", "/ok_name", "admin", { value: "é".repeat(32 * 1024 + 1) }, "VALIDATION_ERROR"],
    ["PUT", "/ok_name", "admin", { value: "v", namespace: "bad ns" }, "VALIDATION_ERROR"],
    ["PUT", "/ok_name", "admin", { value: "v", user_id: "not-a-uuid" }, "VALIDATION_ERROR"],
    ["PUT", "/ok_name", "admin", { value: "v", extra: true }, "VALIDATION_ERROR"],
    ["PUT", "/ok_name", "admin", "{not json", "INVALID_JSON"],
    ["PUT", "/ok_name", "admin", [1, 2], "VALIDATION_ERROR"],
    ["GET", "?scope=everything", "admin", undefined, "VALIDATION_ERROR"],
    ["GET", "?user_id=nope", "admin", undefined, "VALIDATION_ERROR"],
    ["GET", "/ok_name?namespace=-x", "admin", undefined, "VALIDATION_ERROR"],
    ["DELETE", "/bad.name", "admin", undefined, "VALIDATION_ERROR"],
    ["PUT", "/ok_name", "user", { value: "v", namespace: "" }, "VALIDATION_ERROR"],
    ["PUT", "/bad%00name", "user", { value: "v" }, "VALIDATION_ERROR"],
    ["GET", "?user_id=00000000-0000-0000-0000-000000000000", "user", undefined, "VALIDATION_ERROR"],
  ];

  it.each(cases)("%s %s as %s → 400", async (method, path, who, body, code) => {
    const res =
      who === "admin" ? await adminApi(method, path, body) : await userApi(alice, method, path, body);
    expect(res.status).toBe(400);
    expect(res.json.code).toBe(code);
    expect(res.json.error).toMatch(/^Invalid |not valid JSON/);
    expect(res.text).not.toContain("a\u0000b");
  });

  it("accepts a value of exactly 64 KB", async () => {
    expect((await adminApi("PUT", "/big_one", { value: "x".repeat(64 * 1024) })).status).toBe(201);
  });

  it("refuses a body far too large with 413, not 500", async () => {
    const res = await adminApi("PUT", "/huge", { value: "x".repeat(2 * 1024 * 1024) });
    expect(res.status).toBe(413);
  });
});

describe("logs", () => {
  it("never contain a secret value, at any level", () => {
    const text = stderr.join("");
    expect(text.length).toBeGreaterThan(0);
    for (const value of ["sk_live_admin_crud", "whsec_", "sk-alice", "alice-private-value", "at_rest_9f8e"]) {
      expect(text).not.toContain(value);
    }
  });
});
