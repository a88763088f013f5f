/**
 * Pausing a namespace or a function: claims stop (in every process: the state is a row the claim
 * reads), submits are still accepted and wait, resuming lets them run. Real Postgres, real Deno.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  insertFunction,
  startTestServer,
  type TestServer,
  type TestUser,
  waitForJob,
} from "../support/server.ts";

let server: TestServer;
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer({ workers: true });
  user = await server.user();
  await insertFunction(server, { name: "quick" });
  await insertFunction(server, { name: "other" });
  await insertFunction(server, { name: "billing-run", namespace: "billing" });
});
afterAll(async () => {
  await server?.stop();
});

const admin = (method: string, route: string) =>
  server.request(method, `/api/v1/admin/jobs${route}`, { token: server.serviceKey });

async function submit(jobName: string, namespace = "default"): Promise<string> {
  const res = await server.request("POST", "/api/v1/jobs/submit", {
    token: user.token,
    body: { job_name: jobName, namespace },
  });
  expect(res.status).toBe(201);
  return (await res.json()).id;
}

const status = async (id: string) =>
  (await server.db.sql`select status from jobs.queue where id = ${id}`)[0]!.status;
const pollPeriods = () => new Promise((resolve) => setTimeout(resolve, 1500));

it("a paused function's jobs wait while others run, and run once it is resumed", async () => {
  const paused = await admin("POST", "/functions/default/quick/pause");
  expect(paused.status).toBe(200);
  expect(await paused.json()).toMatchObject({ namespace: "default", job_name: "quick", paused: true });
  const waiting = await submit("quick");
  const runs = await submit("other");
  expect((await waitForJob(server, runs)).status).toBe("completed");
  await pollPeriods();
  expect(await status(waiting)).toBe("pending");
  const listed = await (await admin("GET", "/paused")).json();
  expect(listed.paused).toEqual([expect.objectContaining({ namespace: "default", job_name: "quick" })]);
  // Stats and the functions list say so too.
  const stats = await (await admin("GET", "/stats")).json();
  expect(stats.paused).toEqual([expect.objectContaining({ namespace: "default", job_name: "quick" })]);
  const byName = new Map(stats.by_function.map((f: { job_name: string }) => [f.job_name, f]));
  expect(byName.get("quick")).toMatchObject({ paused: true, pending: 1 });
  expect(byName.get("other")).toMatchObject({ paused: false });
  const { functions } = await (await admin("GET", "/functions")).json();
  const fn = (name: string) => functions.find((f: { name: string }) => f.name === name);
  expect([fn("quick").paused, fn("other").paused]).toEqual([true, false]);
  expect((await (await admin("GET", "/functions/quick")).json()).paused).toBe(true);
  const resumed = await admin("POST", "/functions/quick/resume");
  expect(await resumed.json()).toMatchObject({ paused: false, was_paused: true });
  expect((await waitForJob(server, waiting)).status).toBe("completed");
});

it("a paused namespace stops all its functions and no other namespace", async () => {
  expect((await admin("POST", "/namespaces/billing/pause")).status).toBe(200);
  const waiting = await submit("billing-run", "billing");
  expect((await waitForJob(server, await submit("quick"))).status).toBe("completed");
  await pollPeriods();
  expect(await status(waiting)).toBe("pending");
  expect((await admin("POST", "/namespaces/billing/resume")).status).toBe(200);
  expect((await waitForJob(server, waiting)).status).toBe("completed");
});

it("refuses bad names with 400 and non-admins with 403; resuming what is not paused says so", async () => {
  const bad = await admin("POST", "/namespaces/bad%20name/pause");
  expect(bad.status).toBe(400);
  expect((await bad.json()).code).toBe("VALIDATION_ERROR");
  const refused = await server.request("POST", "/api/v1/admin/jobs/namespaces/default/pause", {
    token: user.token,
  });
  expect(refused.status).toBe(403);
  const noop = await admin("POST", "/namespaces/nothing-here/resume");
  expect(await noop.json()).toMatchObject({ paused: false, was_paused: false });
  expect((await (await admin("GET", "/paused")).json()).paused).toEqual([]);
});
