/** GET /: a small static page linking the dashboard, the examples and the docs; every link works. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/chromium.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe("GET /", () => {
  it("answers a static HTML page that forbids scripts and leaks no key", async () => {
    const res = await server.request("GET", "/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const body = await res.text();
    expect(body).toContain('<a href="/admin/">Dashboard</a>');
    expect(body).toContain('<a href="/examples/admin/">Admin view example</a>');
    expect(body).toContain('<a href="/examples/progress/">progress</a>');
    expect(body).toContain('<a href="/docs/getting-started.md">Getting started</a>');
    expect(body).toContain('<a href="/docs/configuration.md">Configuration</a>');
    expect(body).not.toContain("<script");
    expect(body).not.toContain(server.serviceKey);
    expect(body).not.toContain(server.anonKey);
  });

  it("serves the docs as plain text and refuses any other name", async () => {
    const page = await server.request("GET", "/docs/operations.md");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await page.text()).toMatch(/^# Operations/);
    for (const bad of [
      "/docs/nope.md",
      "/docs/..%2Fpackage.json",
      "/docs/%2E%2E%2FREADME.md",
      "/docs/README",
    ]) {
      const res = await server.request("GET", bad);
      expect(res.status, bad).toBe(404);
      expect((await res.json()).code, bad).toMatch(/DOC_NOT_FOUND|ROUTE_NOT_FOUND/);
    }
  });

  it("every link on it works in Chromium, with no console error", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      await page.goto(`${server.url}/`);
      expect(await page.title()).toBe("Fluxbase Jobs");
      const links = await page
        .locator("a")
        .evaluateAll((anchors) => anchors.map((a) => (a as HTMLAnchorElement).href));
      expect(links.length).toBeGreaterThan(8);
      for (const link of links) {
        expect(new URL(link).origin).toBe(server.url);
        expect((await fetch(link)).status, link).toBe(200);
      }
      await page.locator('a[href="/admin/"]').click();
      await page.waitForURL(`${server.url}/admin/`);
      expect(await page.getByLabel("Admin token or service key").isVisible()).toBe(true);
      await page.goto(`${server.url}/`);
      await page.getByRole("link", { name: "Admin view example" }).click();
      await page.waitForURL(`${server.url}/examples/admin/`);
      expect(await page.getByRole("heading", { name: "Jobs admin" }).isVisible()).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
