/** The disk driver: writes aside until committed, leaves nothing behind when refused, sweeps crashes. */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createDiskDriver } from "../../server/storage/diskDriver.ts";
import { ObjectTooLargeError } from "../../server/storage/driver.ts";

let root: string;
const key = "0f8c7d2e-4b6a-4c1d-9e3f-5a7b9c1d3e5f";
const files = () =>
  readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "fluxbase-disk-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

it("publishes a write only on commit, with its size and MD5, and reads ranges", async () => {
  const driver = createDiskDriver(root);
  const blob = await driver.write(key, Readable.from(["hello ", "world"]), 100);
  expect(blob).toMatchObject({ size: 11, md5: "5eb63bbbe01eeed093cb22bb8f5acdc3" });
  expect(await driver.read(key)).toBeNull();
  await blob.commit();
  expect(await text((await driver.read(key))!)).toBe("hello world");
  expect(await text((await driver.read(key, { start: 6, end: 10 }))!)).toBe("world");
  await driver.remove([key, "11111111-2222-3333-4444-555555555555"]);
  expect(files()).toEqual([]);
});

it("refuses more than the limit after reading the body, and keeps nothing", async () => {
  const driver = createDiskDriver(root);
  const body = Readable.from([Buffer.alloc(60), Buffer.alloc(60)]);
  await expect(driver.write(key, body, 100)).rejects.toBeInstanceOf(ObjectTooLargeError);
  expect(body.readableEnded).toBe(true);
  expect(files()).toEqual([]);
});

it("never takes a key that is not a uuid as a path", async () => {
  const driver = createDiskDriver(root);
  await expect(driver.read("../../etc/passwd")).rejects.toThrow(/not a blob key/);
});

it("sweeps writes left aside by a crash, and only old ones", async () => {
  const driver = createDiskDriver(root);
  mkdirSync(path.join(root, "tmp"));
  writeFileSync(path.join(root, "tmp", "old"), "x");
  writeFileSync(path.join(root, "tmp", "new"), "y");
  const dayAgo = new Date(Date.now() - 25 * 3600 * 1000);
  utimesSync(path.join(root, "tmp", "old"), dayAgo, dayAgo);
  expect(await driver.sweepAbandoned(24 * 3600 * 1000)).toBe(1);
  expect(files()).toEqual(["new"]);
});
