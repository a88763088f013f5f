/**
 * File storage through the real storage-js (client.storage): buckets, uploads (Blob, Buffer, FormData,
 * upsert), downloads with ranges, listing folders, move, copy, remove, info and exists, as a user
 * whose access row-level security decides, and as the service role.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type FluxbaseClient } from "../../sdk/src/index.ts";
import { startTestServer, type TestServer, type TestUser } from "../support/server.ts";

let server: TestServer;
let service: FluxbaseClient;
let alice: TestUser;
let bob: TestUser;
let asAlice: FluxbaseClient;
let asBob: FluxbaseClient;

beforeAll(async () => {
  server = await startTestServer();
  service = createClient(server.url, server.serviceKey);
  alice = await server.user();
  bob = await server.user();
  asAlice = createClient(server.url, server.anonKey);
  asAlice.auth.setAccessToken(alice.token);
  asBob = createClient(server.url, server.anonKey);
  asBob.auth.setAccessToken(bob.token);
  for (const [id, options] of [
    ["docs", { public: false }],
    ["avatars", { public: true, allowedMimeTypes: ["image/*"], fileSizeLimit: "1KB" }],
  ] as [string, { public: boolean }][]) {
    const { error } = await service.storage.createBucket(id, options);
    expect(error).toBeNull();
  }
}, 60_000);
afterAll(() => server?.stop());

describe("buckets", () => {
  it("creates, gets, lists, updates, empties and deletes them as the service role", async () => {
    expect((await service.storage.createBucket("scratch")).data).toEqual({ name: "scratch" });
    const { data: bucket } = await service.storage.getBucket("avatars");
    expect(bucket).toMatchObject({
      id: "avatars",
      name: "avatars",
      public: true,
      file_size_limit: 1024,
      allowed_mime_types: ["image/*"],
    });
    const { data: list } = await service.storage.listBuckets();
    expect(list?.map((b) => b.id)).toEqual(["avatars", "docs", "scratch"]);
    expect((await service.storage.updateBucket("scratch", { public: true })).error).toBeNull();
    expect((await service.storage.getBucket("scratch")).data?.public).toBe(true);
    await service.storage.from("scratch").upload("a.txt", "a");
    const notEmpty = await service.storage.deleteBucket("scratch");
    expect(notEmpty.error?.message).toMatch(/still has objects/);
    expect((notEmpty.error as unknown as { status: number }).status).toBe(409);
    expect((await service.storage.emptyBucket("scratch")).error).toBeNull();
    expect((await service.storage.deleteBucket("scratch")).data).toEqual({ message: "Successfully deleted" });
    expect((await service.storage.getBucket("scratch")).error?.message).toBe("Bucket not found: scratch");
  });

  it("are the operator's: a user can't create one or see them", async () => {
    const { error } = await asAlice.storage.createBucket("mine");
    expect((error as unknown as { status: number }).status).toBe(403);
    expect((await asAlice.storage.listBuckets()).data).toEqual([]);
  });

  it("refuses bad ids, sizes and types with 400 and a code", async () => {
    for (const [id, options] of [
      ["Bad Id", {}],
      ["public", {}],
      ["sized", { fileSizeLimit: "a lot" }],
      ["typed", { allowedMimeTypes: ["not a type"] }],
    ] as const) {
      const res = await server.request("POST", "/storage/v1/bucket", {
        token: server.serviceKey,
        body: {
          id,
          name: id,
          file_size_limit: (options as any).fileSizeLimit,
          allowed_mime_types: (options as any).allowedMimeTypes,
        },
      });
      expect(res.status, id).toBe(400);
      expect((await res.json()).code).toMatch(/^INVALID_/);
    }
    const again = await service.storage.createBucket("docs");
    expect((again.error as unknown as { status: number }).status).toBe(409);
  });
});

describe("objects", () => {
  it("uploads a Blob, downloads it, and tells its info; the owner is the uploader", async () => {
    const blob = new Blob([JSON.stringify({ hello: "world" })], { type: "application/json" });
    const { data, error } = await asAlice.storage.from("docs").upload("reports/2026/q1.json", blob);
    expect(error).toBeNull();
    expect(data).toMatchObject({ path: "reports/2026/q1.json", fullPath: "docs/reports/2026/q1.json" });
    const got = await asAlice.storage.from("docs").download("reports/2026/q1.json");
    expect(await got.data?.text()).toBe('{"hello":"world"}');
    expect(got.data?.type).toBe("application/json");
    const { data: info } = await asAlice.storage.from("docs").info("reports/2026/q1.json");
    expect(info).toMatchObject({ name: "reports/2026/q1.json", size: 17, contentType: "application/json" });
    const [row] = await server.db.sql`SELECT owner FROM storage.objects WHERE name = 'reports/2026/q1.json'`;
    expect(row.owner).toBe(alice.id);
    expect((await asAlice.storage.from("docs").exists("reports/2026/q1.json")).data).toBe(true);
    expect((await asAlice.storage.from("docs").exists("reports/nope.json")).data).toBe(false);
  });

  it("refuses a second upload to the same name unless upsert, which replaces the content", async () => {
    const docs = asAlice.storage.from("docs");
    await docs.upload("notes.txt", "first");
    const again = await docs.upload("notes.txt", "second");
    expect((again.error as unknown as { status: number }).status).toBe(409);
    expect(await (await docs.download("notes.txt")).data?.text()).toBe("first");
    expect((await docs.upload("notes.txt", "second", { upsert: true })).error).toBeNull();
    expect(await (await docs.download("notes.txt")).data?.text()).toBe("second");
    expect((await docs.update("notes.txt", "third")).error).toBeNull();
    expect(await (await docs.download("notes.txt")).data?.text()).toBe("third");
    const missing = await docs.update("absent.txt", "x");
    expect((missing.error as unknown as { status: number }).status).toBe(404);
  });

  it("keeps another user's private object a 404, for every operation", async () => {
    await asAlice.storage.from("docs").upload("private/secret.txt", "alice only");
    const docs = asBob.storage.from("docs");
    const download = await docs.download("private/secret.txt");
    expect((download.error as any).originalError.status).toBe(404);
    expect(download.error?.message).toBe("Object not found");
    for (const res of [
      await docs.info("private/secret.txt"),
      await docs.createSignedUrl("private/secret.txt", 60),
      await docs.move("private/secret.txt", "mine.txt"),
      await docs.copy("private/secret.txt", "mine.txt"),
    ])
      expect((res.error as unknown as { status: number }).status).toBe(404);
    expect((await docs.remove(["private/secret.txt"])).data).toEqual([]);
    expect((await docs.list("private")).data).toEqual([]);
    const overwrite = await docs.upload("private/secret.txt", "bob was here", { upsert: true });
    expect((overwrite.error as unknown as { status: number }).status).toBe(403);
    expect(await (await asAlice.storage.from("docs").download("private/secret.txt")).data?.text()).toBe(
      "alice only",
    );
  });

  it("lists a folder's files and sub-folders with paging, search and sorting", async () => {
    const docs = asBob.storage.from("docs");
    for (const name of ["album/b.txt", "album/a.txt", "album/2025/x.txt", "album/2026/y.txt", "album/c.md"])
      expect((await docs.upload(name, name)).error).toBeNull();
    const { data } = await docs.list("album");
    expect(data?.map((entry) => [entry.name, entry.id === null])).toEqual([
      ["2025", true],
      ["2026", true],
      ["a.txt", false],
      ["b.txt", false],
      ["c.md", false],
    ]);
    expect(data?.[2].metadata).toMatchObject({ size: 11, mimetype: "text/plain;charset=UTF-8" });
    const page = await docs.list("album", { limit: 2, offset: 2, sortBy: { column: "name", order: "desc" } });
    expect(page.data?.map((entry) => entry.name)).toEqual(["a.txt", "2026"]);
    expect((await docs.list("album", { search: "b" })).data?.map((entry) => entry.name)).toEqual(["b.txt"]);
    expect((await docs.list()).data?.map((entry) => entry.name)).toEqual(["album"]);
  });

  it("moves, copies and removes", async () => {
    const docs = asBob.storage.from("docs");
    await docs.upload("move/from.txt", "moving");
    expect((await docs.move("move/from.txt", "move/to.txt")).data).toEqual({ message: "Successfully moved" });
    expect((await docs.exists("move/from.txt")).data).toBe(false);
    expect((await docs.copy("move/to.txt", "move/copy.txt")).data).toEqual({ path: "docs/move/copy.txt" });
    expect(await (await docs.download("move/copy.txt")).data?.text()).toBe("moving");
    const clash = await docs.move("move/to.txt", "move/copy.txt");
    expect((clash.error as unknown as { status: number }).status).toBe(409);
    const { data: removed } = await docs.remove(["move/to.txt", "move/copy.txt", "move/never.txt"]);
    expect(removed?.map((object) => object.name).sort()).toEqual(["move/copy.txt", "move/to.txt"]);
    expect((await docs.list("move")).data).toEqual([]);
  });

  it("serves byte ranges", async () => {
    await asBob.storage.from("docs").upload("range.txt", "0123456789");
    const get = (range: string) =>
      server.request("GET", "/storage/v1/object/docs/range.txt", { token: bob.token, headers: { range } });
    const partial = await get("bytes=2-5");
    expect(partial.status).toBe(206);
    expect(partial.headers.get("content-range")).toBe("bytes 2-5/10");
    expect(await partial.text()).toBe("2345");
    expect(await (await get("bytes=-3")).text()).toBe("789");
    expect((await get("bytes=20-")).status).toBe(416);
  });

  it("serves objects so an uploaded page can't run script on the API's origin", async () => {
    await asBob.storage
      .from("docs")
      .upload("page.html", "<script>alert(1)</script>", { contentType: "text/html" });
    const res = await server.request("GET", "/storage/v1/object/docs/page.html?download", {
      token: bob.token,
    });
    expect(res.headers.get("content-security-policy")).toContain("sandbox");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''page.html");
  });
});

describe("an app's own policies", () => {
  it("storage-policy.sql shares a folder and keeps writes in the user's own", async () => {
    const sql = readFileSync(new URL("../../docs/examples/storage-policy.sql", import.meta.url), "utf8");
    await server.db.sql.unsafe(sql);
    await service.storage.createBucket("team-files");
    const team = asAlice.storage.from("team-files");
    expect((await team.upload("shared/plan.txt", "the plan")).error).toBeNull();
    expect((await team.upload(`${alice.id}/draft.txt`, "mine")).error).toBeNull();
    const denied = await team.upload("elsewhere/x.txt", "no");
    expect((denied.error as unknown as { status: number }).status).toBe(403);
    const asBobTeam = asBob.storage.from("team-files");
    expect(await (await asBobTeam.download("shared/plan.txt")).data?.text()).toBe("the plan");
    expect((await asBobTeam.download(`${alice.id}/draft.txt`)).error?.message).toBe("Object not found");
    const intoAlices = await asBobTeam.upload(`${alice.id}/evil.txt`, "no");
    expect((intoAlices.error as unknown as { status: number }).status).toBe(403);
  });
});
