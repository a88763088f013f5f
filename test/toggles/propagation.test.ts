/**
 * Two server processes on one database: a flip made through one process's admin API reaches the
 * other's cache through NOTIFY. Measures the time from the flip's response to the first answer of
 * the other process that shows it (over HTTP, so it includes a request round trip).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "../../server/auth/mintToken.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { testJwtSecret } from "../support/server.ts";
import { type ServerProcess, spawnServer } from "../support/serverProcess.ts";

let db: TestDatabase;
let dir: string;
const processes: ServerProcess[] = [];
let serviceKey: string;
let userToken: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), "fluxbase-toggles-"));
  serviceKey = await mintToken(testJwtSecret, { role: "service_role", expiresIn: "1h" });
  userToken = await mintToken(testJwtSecret, {
    role: "authenticated",
    sub: "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b",
    claims: { tenant_id: "acme" },
    expiresIn: "1h",
  });
  for (const name of ["a", "b"]) {
    processes.push(
      await spawnServer({
        FLUXBASE_DATABASE_URL: db.url,
        FLUXBASE_DATA_DIR: path.join(dir, name),
        FLUXBASE_JOBS_ENABLED: "false",
        FLUXBASE_LOG_LEVEL: "warn",
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  for (const proc of processes) {
    proc.child.kill("SIGTERM");
    await proc.exited;
  }
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function call(url: string, method: string, route: string, token: string, body?: unknown) {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return res.json();
}

describe("toggle changes across processes", { timeout: 120_000 }, () => {
  it("reach the other process's cache through NOTIFY well within a second", async () => {
    const [a, b] = processes as [ServerProcess, ServerProcess];
    await call(a.url, "PUT", "/api/v1/admin/toggles/new-billing", serviceKey, { enabled: false });
    const onAtB = async () => (await call(b.url, "GET", "/api/v1/toggles/new-billing", userToken)).on;
    // B's cache is warm before each flip, so only the announcement can bring the new value.
    await expect.poll(onAtB, { timeout: 10_000 }).toBe(false);
    const samples: number[] = [];
    for (let i = 0; i < 12; i++) {
      const want = i % 2 === 0;
      expect(await onAtB()).toBe(!want);
      // Alternate the platform value and a tenant override, so both tables announce.
      const route =
        i % 4 < 2 ? "/api/v1/admin/toggles/new-billing" : "/api/v1/admin/toggles/new-billing/tenants/acme";
      await call(a.url, "PUT", route, serviceKey, { enabled: want });
      const flippedAt = performance.now();
      while ((await onAtB()) !== want) {
        expect(performance.now() - flippedAt, "the change never reached the other process").toBeLessThan(
          5000,
        );
      }
      samples.push(performance.now() - flippedAt);
      if (i % 4 === 3)
        await call(a.url, "DELETE", "/api/v1/admin/toggles/new-billing/tenants/acme", serviceKey);
      if (i % 4 === 3) await expect.poll(onAtB, { timeout: 5000 }).toBe(want);
    }
    const sorted = [...samples].sort((x, y) => x - y);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    console.log(
      `toggle propagation across processes (ms, flip response → other process answers): median ${median.toFixed(1)}, max ${sorted.at(-1)!.toFixed(1)}, samples ${samples.map((s) => s.toFixed(1)).join(" ")}`,
    );
    // NOTIFY makes it milliseconds; the bound leaves room for a loaded machine.
    expect(median).toBeLessThan(1000);
  });
});
