/**
 * The data dir stays closed to jobs whatever name leads to it: a granted folder holding links into
 * it, a grant that is itself such a link, and a data dir given to the server through a link.
 * Real Deno, real Postgres; a canary file in the data dir stands in for its secrets.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  insertFunction,
  jobLogLines,
  startTestServer,
  type TestServer,
  type TestUser,
  waitForJob,
} from "../support/server.ts";

const CANARY = "canary-9f1c2e7a-not-for-jobs";
let outside: string;

beforeAll(() => {
  outside = mkdtempSync(path.join(tmpdir(), "fluxbase-links-"));
});
afterAll(() => {
  rmSync(outside, { recursive: true, force: true });
});

async function runReader(server: TestServer, user: TestUser, name: string, file: string, read: string[]) {
  await insertFunction(server, {
    name,
    max_retries: 0,
    permissions: { read },
    code: `export default async () => await Deno.readTextFile(${JSON.stringify(file)})`,
  });
  const res = await server.request("POST", "/api/v1/jobs/submit", {
    token: user.token,
    body: { job_name: name },
  });
  expect(res.status).toBe(201);
  const job = await waitForJob(server, (await res.json()).id);
  const logs = (await jobLogLines(server, job.id)).map((l) => l.message).join("\n");
  expect(JSON.stringify(job.result ?? null)).not.toContain(CANARY);
  expect(logs).not.toContain(CANARY);
  return { job, logs };
}

describe("links into the data dir", () => {
  let server: TestServer;
  let user: TestUser;
  let granted: string;

  beforeAll(async () => {
    server = await startTestServer({ workers: true });
    user = await server.user();
    writeFileSync(path.join(server.dataDir, "canary"), CANARY);
    granted = path.join(outside, "granted");
    mkdirSync(granted);
    writeFileSync(path.join(granted, "ok.txt"), "fine");
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("still lets a job read its granted folder", async () => {
    const { job } = await runReader(server, user, "reads-granted", path.join(granted, "ok.txt"), [granted]);
    expect(job.status).toBe("completed");
    expect(job.result).toBe("fine");
  });

  it("refuses to run a job whose granted folder holds a link to a file in the data dir", async () => {
    const folder = path.join(outside, "file-link");
    mkdirSync(folder);
    symlinkSync(path.join(server.dataDir, "canary"), path.join(folder, "notes.txt"));
    const { job } = await runReader(server, user, "file-link", path.join(folder, "notes.txt"), [folder]);
    expect(job.status).toBe("failed");
    expect(job.error_message).toMatch(
      /^Refused to run: .*notes\.txt is a link to .*inside or above the server's data dir/,
    );
  });

  it("refuses a link to the data dir itself, deep in a granted folder", async () => {
    const folder = path.join(outside, "deep-link");
    mkdirSync(path.join(folder, "a", "b"), { recursive: true });
    symlinkSync(server.dataDir, path.join(folder, "a", "b", "cache"));
    const { job } = await runReader(server, user, "deep-link", path.join(folder, "a/b/cache/canary"), [
      folder,
    ]);
    expect(job.status).toBe("failed");
    expect(job.error_message).toMatch(/^Refused to run: .*cache is a link to/);
  });

  it("refuses a grant that is itself a link to the data dir", async () => {
    const link = path.join(outside, "looks-harmless");
    symlinkSync(server.dataDir, link);
    const { job } = await runReader(server, user, "grant-link", path.join(link, "canary"), [link]);
    expect(job.status).toBe("failed");
    expect(job.error_message).toMatch(
      /^Refused to run: .*looks-harmless leads to .*inside or above the server's data dir/,
    );
  });
});

describe("a data dir given through a link", () => {
  let server: TestServer;
  let realDir: string;

  beforeAll(async () => {
    realDir = mkdtempSync(path.join(tmpdir(), "fluxbase-real-data-"));
    writeFileSync(path.join(realDir, "canary"), CANARY);
    const linked = path.join(outside, "data-link");
    symlinkSync(realDir, linked);
    server = await startTestServer({ workers: true, dataDir: linked });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(realDir, { recursive: true, force: true });
  });

  it("is denied under its real name too, even with read access to /", async () => {
    const user = await server.user();
    const { job, logs } = await runReader(
      server,
      user,
      "real-name",
      path.join(realpathSync(realDir), "canary"),
      ["/"],
    );
    expect(job.status).toBe("failed");
    expect(`${job.error_message}\n${logs}`).toMatch(/NotCapable|PermissionDenied|Requires read access/);
  });
});
