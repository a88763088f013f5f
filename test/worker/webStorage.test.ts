/**
 * Web storage is per run: what one user's run puts in localStorage is gone for the next run (of
 * another user or the same one), and the Cache API is off, in the run and in any Worker it starts,
 * so no run can fill the disk through it. Real Deno, real Postgres.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { insertFunction, startTestServer, type TestServer, waitForJob } from "../support/server.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ workers: true });
  await insertFunction(server, {
    name: "store",
    max_retries: 0,
    code: `export default async () => {
      localStorage.setItem("left-behind", "from " + Deno.env.get("FLUXBASE_JOB_ID"));
      let cache = "usable";
      try {
        const c = await caches.open("stash");
        await c.put(new Request("http://x/y"), new Response("x".repeat(1024 * 1024)));
      } catch (e) { cache = "refused: " + e.message; }
      const fromWorker = await new Promise((resolve) => {
        const w = new Worker("data:text/javascript,caches.open('w').then(() => postMessage('usable'), (e) => postMessage('refused'))", { type: "module" });
        w.onmessage = (e) => { resolve(e.data); w.terminate(); };
      });
      return { stored: localStorage.getItem("left-behind"), cache, fromWorker };
    }`,
  });
  await insertFunction(server, {
    name: "peek",
    max_retries: 0,
    code: `export default async () => ({
      item: localStorage.getItem("left-behind"),
      length: localStorage.length,
    })`,
  });
});

afterAll(async () => {
  await server?.stop();
});

async function run(name: string, token: string) {
  const res = await server.request("POST", "/api/v1/jobs/submit", { token, body: { job_name: name } });
  expect(res.status).toBe(201);
  return waitForJob(server, (await res.json()).id);
}

it("keeps localStorage to the run, removes it afterwards, and refuses the Cache API", async () => {
  const alice = await server.user();
  const bob = await server.user();
  const stored = await run("store", alice.token);
  expect(stored.status).toBe("completed");
  expect(stored.result.stored).toBe(`from ${stored.id}`);
  expect(stored.result.cache).toMatch(/^refused: /);
  expect(stored.result.fromWorker).toBe("refused");

  for (const user of [bob, alice]) {
    const peeked = await run("peek", user.token);
    expect(peeked.status).toBe("completed");
    expect(peeked.result).toEqual({ item: null, length: 0 });
  }
  // Nothing of any run is left on disk once the processes that served them are gone (a warm
  // process empties its storage after each run, above): only the file that keeps the Cache API off.
  await server.fluxbase.stop();
  const locationData = path.join(server.dataDir, "deno", "location_data");
  await waitUntil(() => readdirSync(locationData).length === 1, 5_000);
  expect(readdirSync(locationData)).toEqual(["web_cache"]);
});

async function waitUntil(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
}
