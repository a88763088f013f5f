/**
 * Who gets the dashboard's files: anyone on loopback; behind basic auth when a username and password
 * are set; on any other address only behind basic auth (otherwise a page says how to enable it).
 */
import { Hono } from "hono";
import { expect, it } from "vitest";
import { resolveConfig } from "../../server/config/resolveConfig.ts";
import { dashboardRoutes } from "../../server/dashboard/dashboardRoutes.ts";
import type { AppEnv } from "../../server/http/types.ts";

const appWith = (host: string, username = "", password = "") =>
  new Hono<AppEnv>().route("/", dashboardRoutes({ host, username, password }));

it("serves the page on loopback, and redirects /admin to /admin/", async () => {
  const app = appWith("127.0.0.1");
  const page = await app.request("/admin/");
  expect(page.status).toBe(200);
  expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
  expect(await page.text()).toContain('<div id="app">');
  expect((await app.request("/admin")).headers.get("location")).toBe("/admin/");
}, 60_000);

it("asks for the password when one is set, and serves with it", async () => {
  const app = appWith("127.0.0.1", "ops", "s3cret-pass");
  expect((await app.request("/admin/")).status).toBe(401);
  const wrong = { authorization: `Basic ${btoa("ops:nope")}` };
  expect((await app.request("/admin/", { headers: wrong })).status).toBe(401);
  const right = { authorization: `Basic ${btoa("ops:s3cret-pass")}` };
  expect((await app.request("/admin/app.css", { headers: right })).status).toBe(200);
}, 60_000);

it("serves nothing but how to enable it beyond loopback without a password", async () => {
  const open = appWith("0.0.0.0");
  for (const route of ["/admin/", "/admin/app.js"]) {
    const res = await open.request(route);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("FLUXBASE_ADMIN_USERNAME");
  }
  const guarded = appWith("0.0.0.0", "ops", "s3cret-pass");
  const right = { authorization: `Basic ${btoa("ops:s3cret-pass")}` };
  expect((await guarded.request("/admin/", { headers: right })).status).toBe(200);
}, 60_000);

it("refuses a username without a password at start-up", () => {
  expect(() => resolveConfig({ env: { FLUXBASE_ADMIN_USERNAME: "ops" }, cwd: "/tmp" })).toThrow(
    "Set both FLUXBASE_ADMIN_USERNAME and FLUXBASE_ADMIN_PASSWORD, or neither",
  );
});
