/** `fluxbase storage` as an operator types it: create, list with what buckets hold, ls, delete. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createClient } from "../../sdk/src/index.ts";
import { runCli } from "../support/runCli.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let dataDir: string;
const fluxbase = (...args: string[]) => runCli({ url: server.url, dataDir }, args);

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-cli-storage-"));
  server = await startTestServer();
}, 120_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it("creates a bucket, lists buckets and a folder, and deletes it", { timeout: 60_000 }, async () => {
  const created = await fluxbase(
    "storage",
    "create",
    "avatars",
    "--public",
    "--max-size",
    "1MB",
    "--types",
    "image/*",
  );
  expect(created).toMatchObject({ code: 0, stdout: "Created public bucket avatars\n" });
  const files = createClient(server.url, server.serviceKey).storage.from("avatars");
  await files.upload("users/42/me.png", new Blob(["png!"], { type: "image/png" }));
  await files.upload("users/42/old/me.png", new Blob(["png"], { type: "image/png" }));

  const buckets = await fluxbase("storage", "buckets");
  expect(buckets.code).toBe(0);
  expect(
    buckets.stdout
      .trim()
      .split("\n")
      .map((line) => line.trim().split(/\s{2,}/)),
  ).toEqual([
    ["BUCKET", "ACCESS", "OBJECTS", "SIZE", "MAX SIZE", "TYPES"],
    ["avatars", "public", "2", "7 B", "1.0 MB", "image/*"],
  ]);
  const ls = await fluxbase("storage", "ls", "avatars", "users/42");
  const rows = ls.stdout
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s{2,}/));
  expect(rows[0]).toEqual(["NAME", "SIZE", "TYPE", "UPDATED"]);
  expect(rows.slice(1).map((row) => row.slice(0, 3))).toEqual([
    ["me.png", "4 B", "image/png"],
    ["old/", "-", "folder"],
  ]);

  const refused = await fluxbase("storage", "delete", "avatars");
  expect(refused.code).toBe(1);
  expect(refused.stderr).toBe("fluxbase: Bucket avatars still has objects; empty it first (409)\n");
  expect(await fluxbase("storage", "delete", "avatars", "--empty")).toMatchObject({
    code: 0,
    stdout: "Deleted bucket avatars\n",
  });
  expect((await fluxbase("storage", "buckets")).stdout).toBe("No buckets.\n");
});

it("says in one line what is wrong, and exits 1", { timeout: 60_000 }, async () => {
  const bad = await fluxbase("storage", "create", "Bad Name");
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/^fluxbase: A bucket id is 1–63 characters .* \(400\)\n$/);
  const missing = await fluxbase("storage", "ls", "nowhere");
  expect(missing).toMatchObject({ code: 1, stderr: "fluxbase: Bucket not found: nowhere (404)\n" });
});
