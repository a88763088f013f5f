/**
 * Feature toggles end to end: declared in code, flipped through the admin API, read by a sandboxed
 * job, a trusted handler, the HTTP API and SQL (an RLS policy), with every flip audited.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defineJob, defineToggle, resetToggles, setToggle } from "../../server/index.ts";
import { rolloutBucket } from "../../server/toggles/bucket.ts";
import {
  insertFunction,
  startTestServer,
  type TestServer,
  type TestUser,
  waitForJob,
} from "../support/server.ts";

const newBilling = defineToggle({ id: "new-billing", default: false, description: "The v2 pipeline" });
const darkMode = defineToggle({ id: "dark-mode", default: true });

const readsToggles = defineJob({
  name: "reads-toggles",
  maxRetries: 0,
  handler: async (ctx) => ({
    billing: await ctx.toggles.isOn("new-billing"),
    dark: await ctx.toggles.isOn("dark-mode"),
  }),
});

const sandboxedCode = `
export async function handler(req, fluxbase, fluxbaseService, job) {
  const result = { billing: await job.toggles.isOn("new-billing"), dark: await job.toggles.isOn("dark-mode") };
  try {
    await job.toggles.isOn("no-such-toggle");
  } catch (error) {
    result.unknown = { name: error.name, code: error.code, message: error.message };
  }
  return result;
}`;

let server: TestServer;
let admin: string;
let ada: TestUser;

beforeAll(async () => {
  server = await startTestServer({
    workers: true,
    handlers: [readsToggles],
    toggles: [newBilling, darkMode],
    jobs: { maxConcurrentPerWorker: 2 },
  });
  admin = (await server.user("admin")).token;
  ada = await server.user();
  await insertFunction(server, { name: "sandboxed-toggles", code: sandboxedCode, max_retries: 0 });
}, 120_000);
afterAll(() => server?.stop());
beforeEach(() => resetToggles());

/** A user of tenant `tenant` (the tenant_id claim). */
async function tenantUser(tenant: string): Promise<{ id: string; token: string }> {
  const id = randomUUID();
  return { id, token: await server.token({ role: "authenticated", sub: id, claims: { tenant_id: tenant } }) };
}

const api = async (method: string, route: string, body?: unknown, token = admin) => {
  const res = await server.request(method, route, { token, body });
  return { status: res.status, body: await res.json() };
};

const isOnFor = async (token: string, id = "new-billing") =>
  (await api("GET", `/api/v1/toggles/${id}`, undefined, token)).body;

describe("declared toggles", () => {
  it("are stored with their code default at start-up, and read as declared", async () => {
    const { body } = await api("GET", "/api/v1/admin/toggles");
    expect(body.toggles.map((t: { id: string }) => t.id)).toEqual(["dark-mode", "new-billing"]);
    expect(body.toggles[1]).toMatchObject({
      id: "new-billing",
      code_default: false,
      enabled: null,
      rollout_percent: null,
      description: "The v2 pipeline",
      declared: true,
      overrides: 0,
    });
    expect(await server.fluxbase.toggles.isOn("dark-mode")).toBe(true);
    expect(await server.fluxbase.toggles.isOn("new-billing", "acme")).toBe(false);
    await expect(server.fluxbase.toggles.isOn("no-such-toggle")).rejects.toMatchObject({
      code: "TOGGLE_NOT_FOUND",
    });
  });

  it("defineToggle refuses bad ids and defaults", () => {
    expect(() => defineToggle({ id: "New Billing", default: false })).toThrow(/lower-case/);
    expect(() => defineToggle({ id: "x", default: "yes" as never })).toThrow(/true or false/);
  });
});

describe("the admin API", () => {
  it("sets the platform value, a tenant override, and removes both; the caller's tenant decides", async () => {
    const acme = await tenantUser("acme");
    const globex = await tenantUser("globex");
    expect(await isOnFor(acme.token)).toEqual({ id: "new-billing", on: false, tenant: "acme" });

    const put = await api("PUT", "/api/v1/admin/toggles/new-billing/tenants/acme", { enabled: true });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ toggle: "new-billing", tenant: "acme", enabled: true });
    expect((await isOnFor(acme.token)).on).toBe(true);
    expect((await isOnFor(globex.token)).on).toBe(false);

    expect((await api("PUT", "/api/v1/admin/toggles/new-billing", { enabled: true })).status).toBe(200);
    expect((await isOnFor(globex.token)).on).toBe(true);
    expect(
      (await api("PUT", "/api/v1/admin/toggles/new-billing/tenants/globex", { enabled: false })).status,
    ).toBe(201);
    expect((await isOnFor(globex.token)).on).toBe(false);

    const one = await api("GET", "/api/v1/admin/toggles/new-billing?tenant=globex");
    expect(one.body).toMatchObject({ id: "new-billing", enabled: true, tenant: "globex", on: false });
    expect(one.body.overrides.map((o: { tenant: string }) => o.tenant)).toEqual(["acme", "globex"]);

    expect((await api("DELETE", "/api/v1/admin/toggles/new-billing/tenants/globex")).body).toEqual({
      toggle: "new-billing",
      tenant: "globex",
      deleted: true,
    });
    expect((await isOnFor(globex.token)).on).toBe(true);

    // A declared toggle goes back to its code default; its overrides go too.
    const removed = await api("DELETE", "/api/v1/admin/toggles/new-billing");
    expect(removed.body).toEqual({ id: "new-billing", deleted: false, reverted: true });
    expect((await isOnFor(acme.token)).on).toBe(false);
    expect((await api("GET", "/api/v1/admin/toggles/new-billing")).body).toMatchObject({
      enabled: null,
      overrides: [],
    });
  });

  it("a user without the tenant claim is their own tenant", async () => {
    await api("PUT", `/api/v1/admin/toggles/new-billing/tenants/${ada.id}`, { enabled: true });
    expect(await isOnFor(ada.token)).toEqual({ id: "new-billing", on: true, tenant: ada.id });
    const anon = await isOnFor(server.anonKey);
    expect(anon).toEqual({ id: "new-billing", on: false, tenant: null });
  });

  it("creates toggles no code declares, and deletes them", async () => {
    const created = await api("PUT", "/api/v1/admin/toggles/beta-search", {
      enabled: false,
      rollout_percent: 30,
      description: "search v2",
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: "beta-search",
      code_default: null,
      rollout_percent: 30,
      declared: false,
    });
    const partial = await api("PUT", "/api/v1/admin/toggles/beta-search", { description: "search v3" });
    expect(partial.body).toMatchObject({ rollout_percent: 30, enabled: false, description: "search v3" });
    expect((await api("DELETE", "/api/v1/admin/toggles/beta-search")).body).toEqual({
      id: "beta-search",
      deleted: true,
      reverted: false,
    });
    expect((await api("GET", "/api/v1/admin/toggles/beta-search")).status).toBe(404);
  });

  it("rolls out to the share of tenants the stable hash puts below the percentage", async () => {
    await api("PUT", "/api/v1/admin/toggles/new-billing", { rollout_percent: 25 });
    const tenants = Array.from({ length: 40 }, (_, i) => `tenant-${i}`);
    const on = [];
    for (const tenant of tenants) {
      const user = await tenantUser(tenant);
      on.push((await isOnFor(user.token)).on);
    }
    expect(on).toEqual(tenants.map((tenant) => rolloutBucket("new-billing", tenant) < 25));
    expect(on.filter(Boolean).length).toBeGreaterThan(0);
    expect(on.filter(Boolean).length).toBeLessThan(tenants.length);
  });

  it("records every flip: who, when, old and new", async () => {
    const adminUser = await server.user("admin");
    await api("PUT", "/api/v1/admin/toggles/dark-mode", { enabled: false }, adminUser.token);
    await api("PUT", "/api/v1/admin/toggles/dark-mode/tenants/acme", { enabled: true }, adminUser.token);
    await api("PUT", "/api/v1/admin/toggles/dark-mode", { description: "only words" }, adminUser.token);
    await api("DELETE", "/api/v1/admin/toggles/dark-mode/tenants/acme", undefined, server.serviceKey);
    const { body } = await api("GET", "/api/v1/admin/toggles/dark-mode/history?limit=3");
    expect(body.changes).toHaveLength(3);
    const [unset, setTenant, setPlatform] = body.changes;
    expect(unset).toMatchObject({
      tenant: "acme",
      action: "delete",
      old: { enabled: true },
      new: null,
      actor: null,
      actor_role: "service_role",
    });
    expect(setTenant).toMatchObject({
      tenant: "acme",
      action: "insert",
      new: { enabled: true },
      actor: adminUser.id,
    });
    expect(setPlatform).toMatchObject({
      tenant: null,
      action: "update",
      old: { enabled: null, rollout_percent: null, code_default: true },
      new: { enabled: false, rollout_percent: null, code_default: true },
      actor: adminUser.id,
      actor_role: "admin",
    });
    expect(Date.now() - new Date(setPlatform.at).getTime()).toBeLessThan(60_000);
  });

  it("answers bad input with a status and a code", async () => {
    const user = await server.user();
    const cases: [string, string, unknown, string | undefined, number, string][] = [
      ["GET", "/api/v1/admin/toggles", undefined, undefined, 401, "TOKEN_MISSING"],
      ["GET", "/api/v1/admin/toggles", undefined, user.token, 403, "ADMIN_REQUIRED"],
      ["PUT", "/api/v1/admin/toggles/Bad%20Id", { enabled: true }, admin, 400, "VALIDATION_ERROR"],
      ["PUT", "/api/v1/admin/toggles/x", { rollout_percent: 101 }, admin, 400, "VALIDATION_ERROR"],
      ["PUT", "/api/v1/admin/toggles/x", { enabled: "yes" }, admin, 400, "VALIDATION_ERROR"],
      ["PUT", "/api/v1/admin/toggles/x", { enable: true }, admin, 400, "VALIDATION_ERROR"],
      ["PUT", "/api/v1/admin/toggles/x", "{", admin, 400, "INVALID_JSON"],
      ["GET", "/api/v1/admin/toggles/nope", undefined, admin, 404, "TOGGLE_NOT_FOUND"],
      ["DELETE", "/api/v1/admin/toggles/nope", undefined, admin, 404, "TOGGLE_NOT_FOUND"],
      ["PUT", "/api/v1/admin/toggles/nope/tenants/acme", { enabled: true }, admin, 404, "TOGGLE_NOT_FOUND"],
      ["PUT", "/api/v1/admin/toggles/new-billing/tenants/acme", {}, admin, 400, "VALIDATION_ERROR"],
      [
        "DELETE",
        "/api/v1/admin/toggles/new-billing/tenants/nobody",
        undefined,
        admin,
        404,
        "OVERRIDE_NOT_FOUND",
      ],
      ["GET", "/api/v1/admin/toggles/new-billing/history?limit=0", undefined, admin, 400, "VALIDATION_ERROR"],
      ["GET", "/api/v1/toggles/nope", undefined, user.token, 404, "TOGGLE_NOT_FOUND"],
      ["GET", "/api/v1/toggles/new-billing", undefined, undefined, 401, "TOKEN_MISSING"],
    ];
    for (const [method, route, body, token, status, code] of cases) {
      const res = await server.request(method, route, { token, body });
      const json = await res.json();
      expect({ route, method, status: res.status, code: json.code }).toEqual({ route, method, status, code });
      expect(typeof json.error).toBe("string");
    }
  });
});

describe("reading toggles", () => {
  it("a sandboxed job reads them for its submitter's tenant, with no allow-net", async () => {
    const acme = await tenantUser("acme");
    await setToggle("new-billing", true, "acme");
    await setToggle("dark-mode", false);
    const res = await server.request("POST", "/api/v1/jobs/submit", {
      token: acme.token,
      body: { job_name: "sandboxed-toggles" },
    });
    const job = await waitForJob(server, (await res.json()).id, undefined, 40_000);
    expect(job.tenant).toBe("acme");
    expect(job.result).toEqual({
      billing: true,
      dark: false,
      unknown: {
        name: "JobCallError",
        code: "TOGGLE_NOT_FOUND",
        message: expect.stringContaining('No toggle "no-such-toggle"'),
      },
    });
  }, 60_000);

  it("a trusted handler reads them for its submitter's tenant (ctx.toggles)", async () => {
    const globex = await tenantUser("globex");
    await setToggle("new-billing", true, "globex");
    const res = await server.request("POST", "/api/v1/jobs/submit", {
      token: globex.token,
      body: { job_name: "reads-toggles" },
    });
    const job = await waitForJob(server, (await res.json()).id);
    expect(job.result).toEqual({ billing: true, dark: true });
    // A user without the claim: the user id is the tenant.
    await setToggle("new-billing", true, ada.id);
    const own = await server.request("POST", "/api/v1/jobs/submit", {
      token: ada.token,
      body: { job_name: "reads-toggles" },
    });
    expect((await waitForJob(server, (await own.json()).id)).result).toEqual({ billing: true, dark: true });
    // The application submits for a user of a tenant.
    const queued = await server.fluxbase.jobs.enqueue(
      "reads-toggles",
      {},
      { onBehalfOf: { userId: randomUUID(), tenant: "globex" } },
    );
    const forGlobex = await waitForJob(server, queued.id);
    expect(forGlobex).toMatchObject({ tenant: "globex", result: { billing: true, dark: true } });
    const plain = await server.fluxbase.jobs.enqueue("reads-toggles", {}, { onBehalfOf: { userId: ada.id } });
    expect(await waitForJob(server, plain.id)).toMatchObject({ tenant: null, result: { billing: true } });
  });

  it("SQL reads them with the request's claims, so an RLS policy can use them", async () => {
    const sql = server.db.sql;
    await sql`create table app.invoices_v2 (id serial primary key, tenant text not null, total int)`;
    await sql`alter table app.invoices_v2 enable row level security`;
    await sql`grant select on app.invoices_v2 to authenticated`;
    await sql`create policy "v2 for tenants on new billing" on app.invoices_v2 for select to authenticated
      using (tenant = auth.jwt() ->> 'tenant_id' and toggles.is_on('new-billing'))`;
    await sql`insert into app.invoices_v2 (tenant, total) values ('acme', 10), ('globex', 20)`;
    const acme = await tenantUser("acme");
    const read = async () => {
      const res = await server.request("GET", "/rest/v1/invoices_v2?select=tenant,total", {
        token: acme.token,
        headers: { "accept-profile": "app" },
      });
      expect(res.status).toBe(200);
      return res.json();
    };
    expect(await read()).toEqual([]);
    await setToggle("new-billing", true, "acme");
    expect(await read()).toEqual([{ tenant: "acme", total: 10 }]);
    const [row] = await sql`select toggles.is_on_for('new-billing', 'acme') as acme,
      toggles.is_on_for('new-billing', 'globex') as globex, toggles.is_on_for('no-such', 'acme') as unknown`;
    expect(row).toEqual({ acme: true, globex: false, unknown: false });
  });

  it("SQL and the server put every tenant in the same rollout bucket", async () => {
    const tenants = Array.from({ length: 300 }, (_, i) => `t${i}-${randomUUID().slice(0, 4)}`);
    const rows = await server.db.sql<{ bucket: number }[]>`
      select toggles.bucket('new-billing', t) as bucket from unnest(${tenants}::text[]) with ordinality as u(t, n)
      order by n`;
    expect(rows.map((row) => row.bucket)).toEqual(tenants.map((t) => rolloutBucket("new-billing", t)));
  });

  it("users cannot read or write the toggle tables themselves (RLS forced)", async () => {
    await setToggle("new-billing", true, "acme");
    const user = await server.user();
    const asUser = <T>(work: (tx: any) => Promise<T>) =>
      server.db.sql.begin(async (tx) => {
        await tx`select set_config('role', 'authenticated', true),
          set_config('request.jwt.claims', ${JSON.stringify({ role: "authenticated", sub: user.id })}, true)`;
        return work(tx);
      });
    const seen = await asUser(async (tx) => ({
      flags: (await tx`select * from toggles.flags`).length,
      overrides: (await tx`select * from toggles.overrides`).length,
      audit: (await tx`select * from toggles.audit`).length,
    }));
    expect(seen).toEqual({ flags: 0, overrides: 0, audit: 0 });
    await expect(asUser((tx) => tx`insert into toggles.flags (id) values ('mine')`)).rejects.toThrow(
      /row-level security/,
    );
    await expect(
      asUser((tx) => tx`insert into toggles.audit (flag_id, action) values ('x', 'insert')`),
    ).rejects.toThrow(/permission denied/);
  });
});

describe("test helpers", () => {
  it("setToggle and resetToggles take effect at once in this process", async () => {
    await setToggle("new-billing", true);
    expect(await server.fluxbase.toggles.isOn("new-billing", "anyone")).toBe(true);
    await setToggle("made-in-a-test", true, "acme");
    expect(await server.fluxbase.toggles.isOn("made-in-a-test", "acme")).toBe(true);
    expect(await server.fluxbase.toggles.isOn("made-in-a-test", "globex")).toBe(false);
    await resetToggles();
    expect(await server.fluxbase.toggles.isOn("new-billing", "anyone")).toBe(false);
    expect(await server.fluxbase.toggles.isOn("dark-mode")).toBe(true);
    await expect(server.fluxbase.toggles.isOn("made-in-a-test", "acme")).rejects.toMatchObject({
      code: "TOGGLE_NOT_FOUND",
    });
    await expect(setToggle("Bad", true)).rejects.toThrow(/not a toggle id/);
  });
});
