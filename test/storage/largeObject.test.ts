/**
 * A 200 MB object goes up and comes back down through storage-js while the server (a real
 * `fluxbase start` child process) streams it: its peak resident memory grows by a fraction of the
 * object's size, and the bytes that come back are the bytes that went up.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createClient, type FluxbaseClient } from "../../sdk/src/index.ts";
import { mintToken } from "../../server/auth/mintToken.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { testJwtSecret } from "../support/server.ts";
import { type ServerProcess, spawnServer } from "../support/serverProcess.ts";

const MB = 1024 * 1024;
const objectSize = 200 * MB;
let db: TestDatabase;
let dataDir: string;
let server: ServerProcess;
let client: FluxbaseClient;

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-large-"));
  server = await spawnServer({
    FLUXBASE_DATABASE_URL: db.url,
    FLUXBASE_DATA_DIR: dataDir,
    FLUXBASE_JOBS_ENABLED: "false",
    FLUXBASE_LOG_LEVEL: "warn",
    FLUXBASE_STORAGE_MAX_FILE_SIZE: String(256 * MB),
  });
  client = createClient(
    server.url,
    await mintToken(testJwtSecret, { role: "service_role", expiresIn: "1h" }),
  );
  expect((await client.storage.createBucket("big")).error).toBeNull();
}, 60_000);

afterAll(async () => {
  server?.child.kill("SIGTERM");
  await server?.exited;
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Kilobytes from /proc/<pid>/status: VmRSS now, VmHWM the peak so far. */
function memoryOf(pid: number, field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match![1]) * 1024;
}

/** 200 MB of varying bytes, produced a megabyte at a time, hashed as they go. */
function generated(hash: ReturnType<typeof createHash>): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= objectSize) return controller.close();
      const chunk = Buffer.alloc(MB, sent / MB);
      chunk.writeUInt32BE(sent / MB, 0);
      hash.update(chunk);
      controller.enqueue(chunk);
      sent += MB;
    },
  });
}

it("streams a 200 MB upload and download with the server's memory flat", { timeout: 240_000 }, async () => {
  const pid = server.child.pid!;
  const before = memoryOf(pid, "VmRSS");
  const sent = createHash("sha256");
  const uploadStarted = performance.now();
  const { error } = await client.storage.from("big").upload("video.bin", generated(sent), {
    contentType: "application/octet-stream",
  });
  expect(error).toBeNull();
  const uploadSeconds = (performance.now() - uploadStarted) / 1000;
  const { data: info } = await client.storage.from("big").info("video.bin");
  expect(info?.size).toBe(objectSize);

  const downloadStarted = performance.now();
  const { data: stream, error: downloadError } = await client.storage
    .from("big")
    .download("video.bin")
    .asStream();
  expect(downloadError).toBeNull();
  const received = createHash("sha256");
  let bytes = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    received.update(chunk);
    bytes += chunk.length;
  }
  expect(bytes).toBe(objectSize);
  const downloadSeconds = (performance.now() - downloadStarted) / 1000;
  expect(received.digest("hex")).toBe(sent.digest("hex"));

  const growth = memoryOf(pid, "VmHWM") - before;
  const rate = (seconds: number) => `${(objectSize / MB / seconds).toFixed(0)} MB/s`;
  console.log(
    `200 MB: upload ${rate(uploadSeconds)}, download ${rate(downloadSeconds)}; ` +
      `server peak RSS grew by ${(growth / MB).toFixed(1)} MB`,
  );
  expect(growth).toBeLessThan(objectSize / 4);
});
