/** FLUXBASE_TENANT_CLAIM: which claim names the tenant, for the server, its jobs and SQL alike. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../server/config/resolveConfig.ts";
import { defineJob, defineToggle, setToggle } from "../../server/index.ts";
import { startTestServer, type TestServer, waitForJob } from "../support/server.ts";

const sqlSeesIt = defineJob({
  name: "sql-sees-it",
  maxRetries: 0,
  handler: async (ctx) => {
    const [row] = await ctx.sqlAsUser(
      (tx) => tx`select toggles.current_tenant() as tenant, toggles.is_on('beta') as on`,
    );
    return { ...row, ctx: await ctx.toggles.isOn("beta") };
  },
});

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    workers: true,
    handlers: [sqlSeesIt],
    toggles: [defineToggle({ id: "beta", default: false })],
    toggleSettings: { tenantClaim: "org" },
  });
}, 120_000);
afterAll(() => server?.stop());

describe("the tenant claim", () => {
  it("is read from FLUXBASE_TENANT_CLAIM or toggles.tenant_claim, and checked", () => {
    expect(resolveConfig({ env: {} }).toggles.tenantClaim).toBe("tenant_id");
    expect(resolveConfig({ env: { FLUXBASE_TENANT_CLAIM: "org_id" } }).toggles.tenantClaim).toBe("org_id");
    expect(() => resolveConfig({ env: { FLUXBASE_TENANT_CLAIM: "org id" } })).toThrow(
      /Invalid FLUXBASE_TENANT_CLAIM: expected a claim name/,
    );
  });

  it("decides the tenant over HTTP, in a trusted handler's SQL and in ctx.toggles", async () => {
    await setToggle("beta", true, "o-1");
    const token = await server.token({
      role: "authenticated",
      sub: randomUUID(),
      claims: { org: "o-1", tenant_id: "ignored" },
    });
    const res = await server.request("GET", "/api/v1/toggles/beta", { token });
    expect(await res.json()).toEqual({ id: "beta", on: true, tenant: "o-1" });
    const submitted = await server.request("POST", "/api/v1/jobs/submit", {
      token,
      body: { job_name: "sql-sees-it" },
    });
    const job = await waitForJob(server, (await submitted.json()).id);
    expect(job).toMatchObject({ tenant: "o-1", result: { tenant: "o-1", on: true, ctx: true } });
  });
});
