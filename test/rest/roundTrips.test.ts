/**
 * The REST read path, and a job submit, cost one Postgres round trip per request on a warm
 * connection: BEGIN, the role/claims set_config, the statement and COMMIT leave in one write. A TCP proxy between the server
 * and its database counts round trips (the client speaking again after the server answered).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countingProxy } from "../../bench/roundTripProxy.ts";
import { createFluxbase, type Fluxbase } from "../../server/app.ts";
import { mintToken } from "../../server/auth/mintToken.ts";
import { createLogger } from "../../server/log.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { testJwtSecret } from "../support/server.ts";

let db: TestDatabase;
let proxy: Awaited<ReturnType<typeof countingProxy>>;
let fluxbase: Fluxbase;
let url: string;
let token: string;
let dataDir: string;
const userId = crypto.randomUUID();

beforeAll(async () => {
  db = await createTestDatabase();
  const target = Number(new URL(db.url).port);
  proxy = await countingProxy(target);
  const proxied = new URL(db.url);
  proxied.port = String(proxy.port);
  dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-rt-"));
  fluxbase = createFluxbase({
    env: {},
    options: {
      port: 0,
      host: "127.0.0.1",
      databaseUrl: proxied.toString(),
      jwtSecret: testJwtSecret,
      dataDir,
      jobs: { enabled: false },
    },
    logger: createLogger("error"),
  });
  url = (await fluxbase.start()).url;
  await db.sql.unsafe(`
    create table app.items (id int primary key, owner uuid not null, title text);
    alter table app.items enable row level security;
    alter table app.items force row level security;
    create policy own on app.items for all to authenticated using (owner = auth.uid()) with check (owner = auth.uid());
    grant select, insert on app.items to authenticated;
    insert into app.items select i, '${userId}', 'item ' || i from generate_series(1, 100) i;
    insert into jobs.functions (name, source, code) values ('noop', 'x', 'export default () => 1');`);
  token = await mintToken(testJwtSecret, { role: "authenticated", sub: userId });
});
afterAll(async () => {
  await fluxbase.stop();
  proxy.close();
  await db.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function roundTrips(request: (i: number) => Promise<Response>, count = 20): Promise<number> {
  for (let i = 0; i < 5; i++) await (await request(1000 + i)).arrayBuffer(); // fills the cache, prepares
  const before = proxy.turns();
  for (let i = 0; i < count; i++) {
    const res = await request(i);
    expect(res.status).toBeLessThan(300);
    await res.arrayBuffer();
  }
  return (proxy.turns() - before) / count;
}

const headers = () => ({
  authorization: `Bearer ${token}`,
  "accept-profile": "app",
  "content-profile": "app",
});

describe("round trips to Postgres per request", () => {
  it("a primary-key select: exactly one", async () => {
    const perRequest = await roundTrips((i) =>
      fetch(`${url}/rest/v1/items?select=id,title&id=eq.${(i % 100) + 1}`, { headers: headers() }),
    );
    expect(perRequest).toBe(1);
  });

  it("an insert with return=minimal: one; a .single() insert that must check its row count: two", async () => {
    const insert = (body: unknown, extra: Record<string, string> = {}) =>
      fetch(`${url}/rest/v1/items`, {
        method: "POST",
        headers: { ...headers(), "content-type": "application/json", ...extra },
        body: JSON.stringify(body),
      });
    let next = 10_000;
    expect(await roundTrips(() => insert({ id: next++, owner: userId }))).toBe(1);
    const single = { accept: "application/vnd.pgrst.object+json", prefer: "return=representation" };
    expect(await roundTrips(() => insert({ id: next++, owner: userId }, single))).toBe(2);
  });

  it("a job submit: one, with RLS deciding the insert; a repeated idempotency key goes the long way", async () => {
    const submit = (body: Record<string, unknown>, extra: Record<string, string> = {}) =>
      fetch(`${url}/api/v1/jobs/submit`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...extra },
        body: JSON.stringify(body),
      });
    expect(await roundTrips((i) => submit({ job_name: "noop", payload: { i } }))).toBe(1);
    // Only the service role submits on behalf of someone else.
    const other = await submit({ job_name: "noop", on_behalf_of: { user_id: crypto.randomUUID() } });
    expect(other.status).toBe(403);
    // The earlier job comes back (200): the insert met the key, then the lookup found it.
    const first = await submit({ job_name: "noop" }, { "idempotency-key": "same-key" });
    const again = await submit({ job_name: "noop" }, { "idempotency-key": "same-key" });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect((await again.json()).id).toBe((await first.json()).id);
  });
});
