/**
 * Scoped API keys against the real server: each scope's allowed and refused routes, the namespace
 * a key is confined to, revocation and expiry refused at once, keys refused outside the jobs API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../sdk/src/index.ts";
import { insertFunction, startTestServer, type TestServer, type TestUser } from "../support/server.ts";

let server: TestServer;
let admin: TestUser;
let alice: TestUser;
const keys: Record<string, string> = {};

const call = (method: string, route: string, token: string, body?: unknown) =>
  server.request(method, route, { token, body });
const codeOf = async (res: Response) => ({ status: res.status, code: (await res.json()).code });

async function createKey(body: Record<string, unknown>): Promise<string> {
  const res = await call("POST", "/api/v1/admin/keys", admin.token, body);
  expect(res.status).toBe(201);
  const created = await res.json();
  expect(created.key).toMatch(/^fbk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
  return created.key;
}

let billingJob: string;
let defaultJob: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await server.user("admin");
  alice = await server.user();
  await insertFunction(server, { name: "report", namespace: "billing" });
  await insertFunction(server, { name: "other" });
  keys.read = await createKey({ name: "billing-read", scopes: ["jobs:read"], namespace: "billing" });
  keys.write = await createKey({ name: "billing-write", scopes: ["jobs:write"], namespace: "billing" });
  keys.all = await createKey({ name: "ci", scopes: ["jobs:read", "jobs:write"] });
  billingJob = (
    await (
      await call("POST", "/api/v1/jobs/submit", alice.token, {
        job_name: "report",
        namespace: "billing",
        payload: { secret: "s" },
      })
    ).json()
  ).id;
  defaultJob = (await (await call("POST", "/api/v1/jobs/submit", alice.token, { job_name: "other" })).json())
    .id;
});
afterAll(async () => {
  await server?.stop();
});

describe("jobs:write", () => {
  it("submits, cancels and retries in its namespace, and nothing elsewhere", async () => {
    const ok = await call("POST", "/api/v1/jobs/submit", keys.write!, {
      job_name: "report",
      namespace: "billing",
    });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ namespace: "billing", created_by: null });
    expect(
      await codeOf(await call("POST", "/api/v1/jobs/submit", keys.write!, { job_name: "other" })),
    ).toEqual({
      status: 403,
      code: "KEY_NAMESPACE_FORBIDDEN",
    });
    expect((await call("POST", `/api/v1/jobs/${billingJob}/cancel`, keys.write!)).status).toBe(200);
    expect(await codeOf(await call("POST", `/api/v1/jobs/${defaultJob}/cancel`, keys.write!))).toEqual({
      status: 404,
      code: "JOB_NOT_FOUND",
    });
    expect(await codeOf(await call("GET", "/api/v1/jobs", keys.write!))).toEqual({
      status: 403,
      code: "KEY_SCOPE_REQUIRED",
    });
    expect(await codeOf(await call("GET", `/api/v1/jobs/${billingJob}`, keys.write!))).toEqual({
      status: 403,
      code: "KEY_SCOPE_REQUIRED",
    });
  });

  it("never submits on behalf of a user", async () => {
    const res = await call("POST", "/api/v1/jobs/submit", keys.all!, {
      job_name: "other",
      on_behalf_of: { user_id: alice.id },
    });
    expect(await codeOf(res)).toEqual({ status: 403, code: "ON_BEHALF_OF_FORBIDDEN" });
  });
});

describe("jobs:read", () => {
  it("lists, gets and reads logs and attempts of every user's jobs in its namespace only", async () => {
    const list = await (await call("GET", "/api/v1/jobs?limit=100", keys.read!)).json();
    expect(list.jobs.length).toBeGreaterThan(0);
    expect(new Set(list.jobs.map((job: { namespace: string }) => job.namespace))).toEqual(
      new Set(["billing"]),
    );
    expect(list.jobs.map((job: { id: string }) => job.id)).toContain(billingJob);
    expect(await codeOf(await call("GET", "/api/v1/jobs?namespace=default", keys.read!))).toEqual({
      status: 403,
      code: "KEY_NAMESPACE_FORBIDDEN",
    });
    for (const suffix of ["", "/logs", "/attempts"]) {
      expect((await call("GET", `/api/v1/jobs/${billingJob}${suffix}`, keys.read!)).status).toBe(200);
      expect((await call("GET", `/api/v1/jobs/${defaultJob}${suffix}`, keys.read!)).status).toBe(404);
    }
    expect(
      await codeOf(
        await call("POST", "/api/v1/jobs/submit", keys.read!, { job_name: "report", namespace: "billing" }),
      ),
    ).toEqual({
      status: 403,
      code: "KEY_SCOPE_REQUIRED",
    });
    expect((await call("POST", `/api/v1/jobs/${billingJob}/retry`, keys.read!)).status).toBe(403);
  });

  it("works through the SDK as the client's key, every namespace for an unconfined key", async () => {
    const { data, error } = await createClient(server.url, keys.all!).jobs.list({ limit: 100 });
    expect(error).toBeNull();
    expect(new Set(data?.map((job) => job.namespace))).toEqual(new Set(["billing", "default"]));
  });
});

describe("outside the jobs API and over time", () => {
  it("is refused by admin, events, secrets and REST routes", async () => {
    for (const [method, route] of [
      ["GET", "/api/v1/admin/jobs/stats"],
      ["GET", "/api/v1/admin/keys"],
      ["POST", "/api/v1/events"],
      ["GET", "/api/v1/secrets"],
    ] as const) {
      expect(
        await codeOf(await call(method, route, keys.all!, method === "POST" ? { name: "x" } : undefined)),
      ).toEqual({
        status: 403,
        code: "KEY_NOT_ALLOWED",
      });
    }
    expect(await codeOf(await server.request("GET", "/rest/v1/notes", { token: keys.all! }))).toEqual({
      status: 403,
      code: "KEY_NOT_ALLOWED",
    });
  });

  it("refuses a revoked key at once, an expired one, and anything that is not a key", async () => {
    const temp = await createKey({ name: "temp", scopes: ["jobs:read"] });
    expect((await call("GET", "/api/v1/jobs", temp)).status).toBe(200);
    const revoked = await call("DELETE", "/api/v1/admin/keys/temp", admin.token);
    expect(await revoked.json()).toMatchObject({ name: "temp", revoked_at: expect.any(String) });
    expect(await codeOf(await call("GET", "/api/v1/jobs", temp))).toEqual({
      status: 401,
      code: "KEY_REVOKED",
    });
    const again = await createKey({ name: "temp", scopes: ["jobs:read"] });
    expect((await call("GET", "/api/v1/jobs", again)).status).toBe(200);
    expect((await call("GET", "/api/v1/jobs", temp)).status).toBe(401);

    const brief = await createKey({ name: "brief", scopes: ["jobs:read"], expires_in: "1" });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await codeOf(await call("GET", "/api/v1/jobs", brief))).toEqual({
      status: 401,
      code: "KEY_EXPIRED",
    });

    const tampered = `${again.slice(0, -4)}AAAA`;
    expect(await codeOf(await call("GET", "/api/v1/jobs", tampered))).toEqual({
      status: 401,
      code: "INVALID_KEY",
    });
    expect(await codeOf(await call("GET", "/api/v1/jobs", "fbk_nonsense"))).toEqual({
      status: 401,
      code: "INVALID_KEY",
    });
  });
});

describe("the admin API", () => {
  it("lists keys without secrets, and refuses bad input, duplicates and non-admins", async () => {
    const { keys: listed } = await (await call("GET", "/api/v1/admin/keys", admin.token)).json();
    expect(listed.map((k: { name: string }) => k.name)).toEqual(
      expect.arrayContaining(["billing-read", "ci", "temp"]),
    );
    expect(JSON.stringify(listed)).not.toMatch(/fbk_|secret_hash/);
    for (const body of [
      { name: "x", scopes: [] },
      { name: "x", scopes: ["jobs:admin"] },
      { name: "x", scopes: ["jobs:read"], expires_in: "soon" },
      { name: "no spaces", scopes: ["jobs:read"] },
      { name: "x", scopes: ["jobs:read"], extra: 1 },
    ]) {
      expect(await codeOf(await call("POST", "/api/v1/admin/keys", admin.token, body))).toEqual({
        status: 400,
        code: "VALIDATION_ERROR",
      });
    }
    expect(
      await codeOf(
        await call("POST", "/api/v1/admin/keys", admin.token, { name: "ci", scopes: ["jobs:read"] }),
      ),
    ).toEqual({
      status: 409,
      code: "KEY_EXISTS",
    });
    expect(
      await codeOf(
        await call("POST", "/api/v1/admin/keys", alice.token, { name: "mine", scopes: ["jobs:read"] }),
      ),
    ).toEqual({
      status: 403,
      code: "ADMIN_REQUIRED",
    });
    expect(await codeOf(await call("DELETE", "/api/v1/admin/keys/nope", admin.token))).toEqual({
      status: 404,
      code: "KEY_NOT_FOUND",
    });
  });
});
