/**
 * What storage refuses, and that a refusal writes nothing: path traversal however it is spelled,
 * uploads over a size limit (declared or streamed) or of a type the bucket refuses, signed URLs past
 * their expiry or for another object, private objects through the public route.
 */
import { readdirSync } from "node:fs";
import { request as httpRequest } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type FluxbaseClient } from "../../sdk/src/index.ts";
import { startTestServer, type TestServer, type TestUser } from "../support/server.ts";

let server: TestServer;
let service: FluxbaseClient;
let alice: TestUser;
let asAlice: FluxbaseClient;

beforeAll(async () => {
  server = await startTestServer({ storage: { maxFileSize: 64 * 1024 } });
  service = createClient(server.url, server.serviceKey);
  alice = await server.user();
  asAlice = createClient(server.url, server.anonKey);
  asAlice.auth.setAccessToken(alice.token);
  await service.storage.createBucket("docs");
  await service.storage.createBucket("avatars", {
    public: true,
    allowedMimeTypes: ["image/*"],
    fileSizeLimit: 1024,
  });
}, 60_000);
afterAll(() => server?.stop());

/** Every blob the disk driver holds (the tmp folder included). */
function blobsOnDisk(): string[] {
  const root = path.join(server.dataDir, "storage");
  try {
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}

async function objectCount(): Promise<number> {
  const [{ count }] = await server.db.sql`SELECT count(*)::int AS count FROM storage.objects`;
  return count;
}

/** A request with the path sent exactly as written (fetch would resolve `..` segments first). */
function rawRequest(method: string, rawPath: string, body?: string): Promise<{ status: number; body: any }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: rawPath,
        headers: { authorization: `Bearer ${alice.token}`, "content-type": "text/plain" },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("path traversal", () => {
  it("is refused however the name is spelled, and nothing is written", async () => {
    const before = blobsOnDisk().length;
    for (const spelled of [
      "/storage/v1/object/docs/..%2f..%2fetc%2fpasswd",
      "/storage/v1/object/docs/a/%2e%2e%2fb",
      "/storage/v1/object/docs/a%2f..%2f..%2fsecret",
      "/storage/v1/object/docs//etc/passwd",
      "/storage/v1/object/docs/%2fetc%2fpasswd",
      "/storage/v1/object/docs/file%00.txt",
      "/storage/v1/object/docs/a%5c..%5cb",
      "/storage/v1/object/docs/a//b",
    ]) {
      const res = await rawRequest("POST", spelled, "x");
      expect(res.status, spelled).toBe(400);
      expect(res.body.code, spelled).toBe("INVALID_KEY");
    }
    // Dot segments a client did not resolve never reach a name either: the router resolves them
    // inside the URL, so the request misses every object route.
    const dotted = await rawRequest("POST", "/storage/v1/object/docs/../../../etc/passwd", "x");
    expect(dotted.status).toBeGreaterThanOrEqual(400);
    expect(dotted.status).toBeLessThan(500);
    expect(await objectCount()).toBe(0);
    expect(blobsOnDisk().length).toBe(before);
  });

  it("is refused in move, copy, list and remove bodies", async () => {
    await asAlice.storage.from("docs").upload("ok.txt", "fine");
    const docs = asAlice.storage.from("docs");
    for (const res of [
      await docs.move("ok.txt", "../escaped.txt"),
      await docs.copy("ok.txt", "a/../../b.txt"),
      await docs.list("../"),
      await docs.remove(["../ok.txt"]),
    ])
      expect((res.error as unknown as { status: number }).status).toBe(400);
    expect((await docs.exists("ok.txt")).data).toBe(true);
    await docs.remove(["ok.txt"]);
  });
});

describe("limits", () => {
  it("refuses an upload over the bucket's size limit with 413, writing nothing", async () => {
    const before = blobsOnDisk().length;
    const big = new Blob([new Uint8Array(2048)], { type: "image/png" });
    const { error } = await asAlice.storage.from("avatars").upload("big.png", big);
    expect((error as unknown as { status: number }).status).toBe(413);
    expect(error?.message).toMatch(/maximum allowed size \(1024 bytes\)/);
    expect(await objectCount()).toBe(0);
    expect(blobsOnDisk().length).toBe(before);
  });

  it("refuses a streamed upload that grows past the server's limit, writing nothing", async () => {
    const before = blobsOnDisk().length;
    const chunk = new Uint8Array(16 * 1024);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 8) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const { error } = await asAlice.storage.from("docs").upload("stream.bin", body, {
      contentType: "application/octet-stream",
    });
    expect((error as unknown as { status: number }).status).toBe(413);
    expect(await objectCount()).toBe(0);
    expect(blobsOnDisk().length).toBe(before);
  });

  it("refuses a type the bucket does not accept with 415, writing nothing", async () => {
    const { error } = await asAlice.storage
      .from("avatars")
      .upload("notes.txt", new Blob(["text"], { type: "text/plain" }));
    expect((error as unknown as { status: number }).status).toBe(415);
    expect(error?.message).toBe("Bucket avatars does not accept text/plain");
    expect(await objectCount()).toBe(0);
    const ok = await asAlice.storage
      .from("avatars")
      .upload("me.png", new Blob(["png"], { type: "image/png" }));
    expect(ok.error).toBeNull();
  });

  it("holds a copy or move into another bucket to that bucket's types and size limit", async () => {
    const docs = asAlice.storage.from("docs");
    await docs.upload("limits/notes.txt", "plain text");
    await docs.upload("limits/big.png", new Blob([new Uint8Array(2048)], { type: "image/png" }));
    await docs.upload("limits/small.png", new Blob(["png"], { type: "image/png" }));
    const into = { destinationBucket: "avatars" };
    for (const [res, status] of [
      [await docs.copy("limits/notes.txt", "copied.txt", into), 415],
      [await docs.move("limits/notes.txt", "moved.txt", into), 415],
      [await docs.copy("limits/big.png", "copied.png", into), 413],
      [await docs.move("limits/big.png", "moved.png", into), 413],
    ] as const)
      expect((res.error as unknown as { status: number }).status).toBe(status);
    expect((await docs.exists("limits/notes.txt")).data).toBe(true);
    expect((await docs.exists("limits/big.png")).data).toBe(true);
    expect((await docs.copy("limits/small.png", "small.png", into)).error).toBeNull();
    expect((await docs.move("limits/small.png", "moved-small.png", into)).error).toBeNull();
    await asAlice.storage.from("avatars").remove(["small.png", "moved-small.png"]);
    await docs.remove(["limits/notes.txt", "limits/big.png"]);
  });

  it("answers 404 for a bucket that does not exist", async () => {
    const { error } = await asAlice.storage.from("nowhere").upload("a.txt", "a");
    expect((error as unknown as { status: number }).status).toBe(404);
  });
});

describe("signed and public URLs", () => {
  it("serves a signed URL until it expires, and only for its object", async () => {
    const docs = asAlice.storage.from("docs");
    await docs.upload("signed/a.txt", "signed a");
    await docs.upload("signed/b.txt", "signed b");
    const { data } = await docs.createSignedUrl("signed/a.txt", 1);
    const first = await fetch(data!.signedUrl);
    expect(first.status).toBe(200);
    expect(await first.text()).toBe("signed a");
    const otherObject = await fetch(data!.signedUrl.replace("signed/a.txt", "signed/b.txt"));
    expect(otherObject.status).toBe(400);
    expect((await otherObject.json()).code).toBe("INVALID_SIGNATURE");
    // An API token is not a signature, and a signature is not an API token.
    const token = new URL(data!.signedUrl).searchParams.get("token")!;
    expect((await fetch(data!.signedUrl.replace(token, alice.token))).status).toBe(400);
    expect((await server.request("GET", "/storage/v1/object/docs/signed/a.txt", { token })).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const late = await fetch(data!.signedUrl);
    expect(late.status).toBe(400);
    expect(await late.json()).toMatchObject({ code: "SIGNED_URL_EXPIRED" });
    const many = await docs.createSignedUrls(["signed/a.txt", "signed/none.txt"], 60);
    expect(many.data?.map((entry) => [entry.path, entry.error])).toEqual([
      ["signed/a.txt", null],
      ["signed/none.txt", "Object not found"],
    ]);
    expect(await (await fetch(many.data![0].signedUrl)).text()).toBe("signed a");
  });

  it("serves public buckets to anyone and private ones to no one through the public route", async () => {
    const { data } = asAlice.storage.from("avatars").getPublicUrl("me.png");
    const open = await fetch(data.publicUrl);
    expect(open.status).toBe(200);
    expect(await open.text()).toBe("png");
    await asAlice.storage.from("docs").upload("hidden.txt", "hidden");
    const hidden = await fetch(asAlice.storage.from("docs").getPublicUrl("hidden.txt").data.publicUrl);
    expect(hidden.status).toBe(404);
    const anon = createClient(server.url, server.anonKey);
    expect((await anon.storage.from("docs").exists("hidden.txt")).data).toBe(false);
  });

  it("lets anyone with a signed upload URL upload that one path, as the user who asked for it", async () => {
    const { data, error } = await asAlice.storage.from("docs").createSignedUploadUrl("inbox/scan.pdf");
    expect(error).toBeNull();
    const anon = createClient(server.url, server.anonKey);
    const pdf = new Blob(["%PDF-1.7"], { type: "application/pdf" });
    const up = await anon.storage.from("docs").uploadToSignedUrl("inbox/scan.pdf", data!.token, pdf);
    expect(up.error).toBeNull();
    const [row] = await server.db.sql`SELECT owner FROM storage.objects WHERE name = 'inbox/scan.pdf'`;
    expect(row.owner).toBe(alice.id);
    // Once there, the same URL can't replace it (no upsert asked), nor read it, nor upload elsewhere.
    const again = await anon.storage.from("docs").uploadToSignedUrl("inbox/scan.pdf", data!.token, pdf);
    expect((again.error as unknown as { status: number }).status).toBe(409);
    expect((await fetch(data!.signedUrl.replace("/upload/sign/", "/sign/"))).status).toBe(400);
    const elsewhere = await anon.storage.from("docs").uploadToSignedUrl("inbox/other.pdf", data!.token, pdf);
    expect((elsewhere.error as unknown as { status: number }).status).toBe(400);
    // A download token does not upload.
    const { data: read } = await asAlice.storage.from("docs").createSignedUrl("inbox/scan.pdf", 60);
    const readToken = new URL(read!.signedUrl).searchParams.get("token")!;
    const swapped = await anon.storage.from("docs").uploadToSignedUrl("inbox/scan.pdf", readToken, pdf);
    expect((swapped.error as unknown as { status: number }).status).toBe(400);
  });

  it("refuses an expiry out of range", async () => {
    const { error } = await asAlice.storage.from("docs").createSignedUrl("hidden.txt", 0);
    expect((error as unknown as { status: number }).status).toBe(400);
  });
});
