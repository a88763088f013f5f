/**
 * GET /admin: the dashboard. The page holds no data and no secret (it asks for a token); with
 * FLUXBASE_ADMIN_USERNAME and FLUXBASE_ADMIN_PASSWORD set, HTTP basic auth stands in front of it. On an
 * address other than loopback it is served only behind basic auth: otherwise the page says how to
 * enable it and serves nothing else.
 */
import { Hono } from "hono";
import { basicAuth } from "hono/basic-auth";
import type { AppEnv } from "../http/types.ts";
import { type DashboardAssets, loadDashboard } from "./bundleDashboard.ts";

export interface DashboardOptions {
  host: string;
  username: string;
  password: string;
}

const headers = {
  "Content-Security-Policy":
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-cache",
};

const isLoopback = (host: string) => host === "localhost" || host === "::1" || host.startsWith("127.");

const disabledPage = (host: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dashboard disabled</title></head>
<body><main><h1>The dashboard is not served on ${host.replace(/[<>&"]/g, "")}</h1>
<p>This server listens beyond loopback, so the dashboard needs a password in front of it. Set
<code>FLUXBASE_ADMIN_USERNAME</code> and <code>FLUXBASE_ADMIN_PASSWORD</code> and restart the server.</p>
</main></body></html>`;

/** Routes with their full paths (`/admin/...`): mount at the root. */
/** Routes with their full paths (`/admin/...`): mount at the root. */
export function dashboardRoutes(options: DashboardOptions) {
  const app = new Hono<AppEnv>();
  const protectedByPassword = options.username !== "" && options.password !== "";
  if (protectedByPassword) {
    app.use(
      "/admin/*",
      basicAuth({ username: options.username, password: options.password, realm: "Fluxbase Jobs" }),
    );
  } else if (!isLoopback(options.host)) {
    return app.get("/admin/*", (c) => c.html(disabledPage(options.host), 403, headers));
  }
  let assets: Promise<DashboardAssets> | undefined;
  const load = () => {
    assets ??= loadDashboard().catch((error: unknown) => {
      assets = undefined;
      throw error;
    });
    return assets;
  };
  return app
    .get("/admin", (c) => c.redirect("/admin/"))
    .get("/admin/", async (c) => c.html((await load()).html, 200, headers))
    .get("/admin/app.js", async (c) =>
      c.body((await load()).js, 200, { ...headers, "Content-Type": "text/javascript; charset=utf-8" }),
    )
    .get("/admin/app.css", async (c) =>
      c.body((await load()).css, 200, { ...headers, "Content-Type": "text/css; charset=utf-8" }),
    );
}
