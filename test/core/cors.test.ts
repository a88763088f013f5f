/**
 * CORS: preflights answered before authentication on /api/v1 and /rest/v1, the allowed and exposed
 * headers, a restricted origin list (HTTP and the realtime upgrade), and the setting's validation.
 * The browser side (a page on another origin) is in test/sdk/package.test.ts.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { resolveConfig } from "../../server/config/resolveConfig.ts";
import { refusedStatus, wsUrl } from "../realtime/helpers.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const page = "http://localhost:5173";
const other = "http://evil.example";

function preflight(server: TestServer, route: string, origin: string, method = "POST", headers = "") {
  return fetch(`${server.url}${route}`, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": method,
      ...(headers ? { "access-control-request-headers": headers } : {}),
    },
  });
}

const requestHeaders =
  "authorization, apikey, content-type, prefer, idempotency-key, range, accept-profile, content-profile, x-client-info";

describe("CORS with the default (any origin)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  }, 60_000);
  afterAll(() => server?.stop());

  it("answers preflights on /api/v1 and /rest/v1 with 204 before any token is checked", async () => {
    for (const route of ["/api/v1/jobs/submit", "/api/v1/admin/jobs/stats", "/rest/v1/notes?id=eq.1"]) {
      const res = await preflight(server, route, page, "POST", requestHeaders);
      expect(res.status, route).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      const allowed = res.headers.get("access-control-allow-headers")!.toLowerCase().split(",");
      for (const header of requestHeaders.split(", ")) expect(allowed, route).toContain(header);
      expect(res.headers.get("access-control-allow-methods")).toContain("PATCH");
      expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    }
  });

  it("a curl preflight sees the same headers", async () => {
    const { stdout } = await promisify(execFile)("curl", [
      "-si",
      "-X",
      "OPTIONS",
      `${server.url}/api/v1/jobs`,
      "-H",
      `Origin: ${page}`,
      "-H",
      "Access-Control-Request-Method: GET",
      "-H",
      "Access-Control-Request-Headers: authorization",
    ]);
    expect(stdout).toMatch(/^HTTP\/1\.1 204/);
    expect(stdout).toMatch(/^access-control-allow-origin: \*\r?$/im);
    expect(stdout).toMatch(/^access-control-allow-headers: .*Authorization/im);
  });

  it("answers real requests, errors included, with the origin allowed and Content-Range and X-Request-Id exposed", async () => {
    const user = await server.user();
    const ok = await server.request("GET", "/api/v1/jobs", { token: user.token, headers: { origin: page } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("*");
    expect(ok.headers.get("access-control-expose-headers")).toBe("Content-Range,X-Request-Id");
    // A page must be able to read the error codes, so errors carry the header too.
    const missing = await server.request("POST", "/api/v1/jobs/submit", { headers: { origin: page } });
    expect(missing.status).toBe(401);
    expect(missing.headers.get("access-control-allow-origin")).toBe("*");
    expect((await missing.json()).code).toBe("TOKEN_MISSING");
  });
});

describe("CORS restricted by FLUXBASE_CORS_ORIGINS", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ corsOrigins: [`${page}/`, "https://APP.example.com"] });
  }, 60_000);
  afterAll(() => server?.stop());

  it("allows listed origins and echoes them with Vary: Origin", async () => {
    for (const origin of [page, "https://app.example.com"]) {
      const res = await preflight(server, "/api/v1/jobs/submit", origin, "POST", "authorization");
      expect(res.status).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe(origin);
      expect(res.headers.get("vary")).toContain("Origin");
    }
    const user = await server.user();
    const res = await server.request("GET", "/api/v1/jobs", { token: user.token, headers: { origin: page } });
    expect(res.headers.get("access-control-allow-origin")).toBe(page);
  });

  it("gives another origin no Access-Control-Allow-Origin, so its browser blocks the call", async () => {
    const res = await preflight(server, "/api/v1/jobs/submit", other, "POST", "authorization");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const user = await server.user();
    const get = await server.request("GET", "/api/v1/jobs", {
      token: user.token,
      headers: { origin: other },
    });
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("refuses a realtime upgrade from another page origin with 403, and accepts listed or no origin", async () => {
    const url = `${wsUrl(server.url)}/realtime/v1/websocket?vsn=1.0.0&apikey=${server.anonKey}`;
    expect(await refusedStatus(url, { origin: other })).toBe(403);
    for (const headers of [{ origin: page }, {}]) {
      const opened = await new Promise<boolean>((resolve) => {
        const ws = new WebSocket(url, { headers });
        ws.on("open", () => {
          ws.close();
          resolve(true);
        });
        ws.on("error", () => resolve(false));
      });
      expect(opened, JSON.stringify(headers)).toBe(true);
    }
  });
});

describe("FLUXBASE_CORS_ORIGINS validation", () => {
  it("defaults to * and normalizes listed origins", () => {
    expect(resolveConfig({ env: {} }).corsOrigins).toEqual(["*"]);
    expect(
      resolveConfig({ env: { FLUXBASE_CORS_ORIGINS: "https://App.example.com/, http://localhost:5173" } })
        .corsOrigins,
    ).toEqual(["https://app.example.com", "http://localhost:5173"]);
  });

  it("refuses paths, other schemes and * mixed with origins, naming the setting", () => {
    for (const bad of [
      "https://app.example.com/path",
      "ftp://x.example",
      "app.example.com",
      "*,https://a.example",
    ])
      expect(() => resolveConfig({ env: { FLUXBASE_CORS_ORIGINS: bad } }), bad).toThrow(
        /^Invalid FLUXBASE_CORS_ORIGINS: /,
      );
  });
});
