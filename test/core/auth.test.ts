import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, testJwtSecret } from "../support/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const userId = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b";
const list = (headers: Record<string, string>) =>
  fetch(`${server.url}/api/v1/jobs`, { headers }).then(async (res) => {
    // Node itself answers an oversized header with a bodiless 431 before any route runs.
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  });
const bearer = (token: string) => list({ authorization: `Bearer ${token}` });

function unsigned(payload: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode({ alg: "none", typ: "JWT" })}.${encode(payload)}.`;
}

const sign = (payload: Record<string, unknown>, secret = testJwtSecret, alg = "HS256") =>
  new SignJWT(payload).setProtectedHeader({ alg }).sign(new TextEncoder().encode(secret));
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

describe("token verification", () => {
  it("accepts a valid user token via Authorization and the anon key via apikey", async () => {
    expect((await bearer(await server.token({ role: "authenticated", sub: userId }))).status).toBe(200);
    expect((await list({ apikey: server.anonKey })).status).toBe(200);
  });

  it("lets Authorization win over apikey", async () => {
    const res = await list({ authorization: "Bearer garbage", apikey: server.anonKey });
    expect(res.status).toBe(401);
  });

  it.each([
    ["no token at all", {}, 401, "TOKEN_MISSING"],
    ["garbage", { authorization: "Bearer not.a.jwt" }, 401, "INVALID_TOKEN"],
    ["a malformed Authorization header", { authorization: "Basic abc" }, 401, "INVALID_TOKEN"],
  ])("refuses %s", async (_name, headers, status, code) => {
    const res = await list(headers as Record<string, string>);
    expect(res.status).toBe(status);
    expect(res.body.code).toBe(code);
    expect(typeof res.body.error).toBe("string");
  });

  it("refuses a token signed with another secret", async () => {
    const token = await sign(
      { role: "authenticated", sub: userId, exp: inAnHour() },
      "another-secret-another-secret-123456",
    );
    expect(await bearer(token)).toMatchObject({ status: 401, body: { code: "INVALID_TOKEN" } });
  });

  it("refuses alg none", async () => {
    expect(await bearer(unsigned({ role: "service_role", exp: inAnHour() }))).toMatchObject({
      status: 401,
      body: { code: "INVALID_TOKEN" },
    });
  });

  it("refuses HS512 even with the right secret (algorithms are pinned)", async () => {
    const token = await sign({ role: "authenticated", sub: userId, exp: inAnHour() }, testJwtSecret, "HS512");
    expect((await bearer(token)).status).toBe(401);
  });

  it("refuses an expired token", async () => {
    const token = await sign({ role: "authenticated", sub: userId, exp: Math.floor(Date.now() / 1000) - 10 });
    expect(await bearer(token)).toMatchObject({ status: 401, body: { code: "TOKEN_EXPIRED" } });
  });

  it("refuses a token it accepted before once it has expired (verified tokens are remembered)", async () => {
    const token = await sign({ role: "authenticated", sub: userId, exp: Math.floor(Date.now() / 1000) + 2 });
    expect((await bearer(token)).status).toBe(200);
    expect((await bearer(token)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect(await bearer(token)).toMatchObject({ status: 401, body: { code: "TOKEN_EXPIRED" } });
  });

  it("refuses a token without exp", async () => {
    const token = await sign({ role: "authenticated", sub: userId });
    expect(await bearer(token)).toMatchObject({ status: 401, body: { code: "INVALID_TOKEN" } });
  });

  it("refuses a token without role", async () => {
    const token = await sign({ sub: userId, exp: inAnHour() });
    expect((await bearer(token)).status).toBe(401);
  });

  it("refuses a user token without a uuid sub", async () => {
    expect((await bearer(await sign({ role: "authenticated", exp: inAnHour() }))).status).toBe(401);
    expect((await bearer(await sign({ role: "authenticated", sub: "alice", exp: inAnHour() }))).status).toBe(
      401,
    );
    expect((await bearer(await sign({ role: "admin", exp: inAnHour() }))).status).toBe(401);
  });

  it.each([
    "postgres",
    "authenticated; reset role",
    "pg_read_server_files",
    "",
    "a".repeat(80),
    "fluxbase_owner",
  ])("refuses the role claim %j", async (role) => {
    const res = await bearer(await sign({ role, sub: userId, exp: inAnHour() }));
    expect([401, 403]).toContain(res.status);
    expect(res.body.code).toBe("ROLE_NOT_ALLOWED");
  });

  it("refuses a non-string role claim", async () => {
    const res = await bearer(await sign({ role: ["service_role"], sub: userId, exp: inAnHour() }));
    expect(res.status).toBe(403);
  });

  it("treats a custom role as authenticated, with auth.role() returning the claim", async () => {
    const token = await server.token({ role: "editor", sub: userId });
    const res = await server.request("POST", "/api/v1/jobs/submit", { token, body: { job_name: "nope" } });
    expect(res.status).toBe(404); // reached the function lookup as a user
    const [row] = await server.db.sql<{ role: string }[]>`
      select set_config('request.jwt.claims', ${JSON.stringify({ role: "editor", sub: userId })}, true), auth.role() as role`;
    expect(row!.role).toBe("editor");
  });

  it("never answers 500 to a pile of hostile tokens", async () => {
    const hostile = [
      "Bearer ",
      "Bearer a.b.c",
      `Bearer ${"x".repeat(20_000)}`,
      "Bearer eyJhbGciOiJIUzI1NiJ9.e30.",
      `Bearer ${unsigned({ role: "authenticated", sub: userId, exp: "soon" })}`,
    ];
    for (const authorization of hostile) {
      const res = await list({ authorization });
      expect(res.status, authorization.slice(0, 40)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
  });
});
