/**
 * A server that dies mid-delivery loses nothing: its lease runs out and a second server process
 * delivers the same event again with the same X-Webhook-Id (at least once, so receivers de-duplicate
 * by id); an event that happens while the first is down is delivered exactly once.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { type ServerProcess, spawnServer } from "../support/serverProcess.ts";
import { type Receiver, startReceiver } from "./receiver.ts";

let db: TestDatabase;
let dataDir: string;
let jobsDir: string;
let receiver: Receiver;
const spawned: ServerProcess[] = [];
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-notify-"));
  jobsDir = mkdtempSync(path.join(tmpdir(), "fluxbase-notify-jobs-"));
  receiver = await startReceiver();
  receiver.setPublicKey(publicKey.export({ type: "spki", format: "pem" }).toString());
});

afterAll(async () => {
  for (const proc of spawned) proc.child.kill("SIGKILL");
  await receiver?.close();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(jobsDir, { recursive: true, force: true });
});

async function start(): Promise<ServerProcess> {
  const proc = await spawnServer({
    FLUXBASE_DATABASE_URL: db.url,
    FLUXBASE_DATA_DIR: dataDir,
    FLUXBASE_JOBS_DIR: jobsDir,
    FLUXBASE_JOBS_EMBEDDED_WORKER_COUNT: "1",
    FLUXBASE_JOBS_POLL_INTERVAL: "200ms",
    FLUXBASE_WEBHOOK_ALLOW_PRIVATE: "true",
    FLUXBASE_WEBHOOK_TIMEOUT: "1s",
    FLUXBASE_WEBHOOK_PRIVATE_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  });
  spawned.push(proc);
  return proc;
}

it("re-delivers with the same id after a kill -9 mid-delivery, and loses nothing", async () => {
  await db.sql`insert into jobs.webhooks (url, events) values (${`${receiver.url}/restart`}, '{job.completed}')`;
  // The first request is held open: the server is killed while waiting for the answer.
  receiver.respond((d) => (receiver.deliveries.indexOf(d) === 0 ? undefined : 200));
  const first = await start();
  const [held] = await db.sql<{ id: string }[]>`
    insert into jobs.queue (job_name, status) values ('during', 'completed') returning id`;
  const [inFlight] = await receiver.waitFor(1);
  first.child.kill("SIGKILL");
  await first.exited;
  const [later] = await db.sql<{ id: string }[]>`
    insert into jobs.queue (job_name, status) values ('while-down', 'completed') returning id`;

  await start();
  const got = await receiver.waitFor(3, () => true, 60_000);
  const forHeld = got.filter((d) => d.json.job.id === held!.id);
  expect(forHeld.map((d) => d.id)).toEqual([inFlight!.id, inFlight!.id]);
  expect(got.filter((d) => d.json.job.id === later!.id)).toHaveLength(1);
  expect(got.every((d) => d.verified)).toBe(true);
  // Bodies are byte-identical apart from nothing: the event is the same event.
  expect(forHeld[1]!.body).toBe(forHeld[0]!.body);
  await expect
    .poll(async () => db.sql`select state, attempts from jobs.notifications order by created_at`, {
      timeout: 10_000,
    })
    .toEqual([
      { state: "delivered", attempts: 2 },
      { state: "delivered", attempts: 1 },
    ]);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(receiver.deliveries).toHaveLength(3);
}, 120_000);
