/** Bad input gets a clear 4xx with a machine-readable code, never a 500, and writes nothing. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertFunction, startTestServer, type TestServer, type TestUser } from "../support/server.ts";

let server: TestServer;
let alice: TestUser;
beforeAll(async () => {
  server = await startTestServer({ maxBodyBytes: 64 * 1024 });
  alice = await server.user();
  await insertFunction(server, { name: "work" });
});
afterAll(() => server.stop());

const countJobs = async () =>
  (await server.db.sql<{ n: number }[]>`select count(*)::int as n from jobs.queue`)[0]!.n;
const submitRaw = (body: string, headers: Record<string, string> = {}) =>
  server.request("POST", "/api/v1/jobs/submit", {
    token: alice.token,
    body,
    headers: { "content-type": "application/json", ...headers },
  });

describe("submit bodies", () => {
  it.each([
    ["malformed JSON", "{not json", 400, "INVALID_JSON"],
    ["a JSON array", "[1,2]", 400, "VALIDATION_ERROR"],
    ["a missing job_name", "{}", 400, "VALIDATION_ERROR"],
    ["job_name of the wrong type", '{"job_name": 42}', 400, "VALIDATION_ERROR"],
    ["payload not an object", '{"job_name": "work", "payload": [1]}', 400, "VALIDATION_ERROR"],
    ["payload a string", '{"job_name": "work", "payload": "x"}', 400, "VALIDATION_ERROR"],
    ["a fractional priority", '{"job_name": "work", "priority": 1.5}', 400, "VALIDATION_ERROR"],
    ["a bad scheduled_at", '{"job_name": "work", "scheduled_at": "tomorrow"}', 400, "VALIDATION_ERROR"],
    ["a negative delay", '{"job_name": "work", "delay_seconds": -1}', 400, "VALIDATION_ERROR"],
    [
      "both schedule forms",
      '{"job_name": "work", "delay_seconds": 1, "scheduled_at": "2030-01-01T00:00:00Z"}',
      400,
      "VALIDATION_ERROR",
    ],
    ["an unknown field", '{"job_name": "work", "status": "completed"}', 400, "VALIDATION_ERROR"],
    ["a NUL in the payload", '{"job_name": "work", "payload": {"a": "x\\u0000y"}}', 400, "INVALID_PAYLOAD"],
    ["a NUL in a payload key", '{"job_name": "work", "payload": {"a\\u0000": 1}}', 400, "INVALID_PAYLOAD"],
    ["a NUL in job_name", '{"job_name": "wo\\u0000rk"}', 400, "VALIDATION_ERROR"],
    ["a lone surrogate", '{"job_name": "work", "payload": {"a": "\\ud800"}}', 400, "INVALID_PAYLOAD"],
    ["a NUL in dedupe_key", '{"job_name": "work", "dedupe_key": "k\\u0000"}', 400, "INVALID_TEXT"],
    ["a lone surrogate in dedupe_key", '{"job_name": "work", "dedupe_key": "\\udfff"}', 400, "INVALID_TEXT"],
  ])("refuses %s", async (_name, body, status, code) => {
    const before = await countJobs();
    const res = await submitRaw(body);
    expect(res.status).toBe(status);
    const json = await res.json();
    expect(json.code).toBe(code);
    expect(json.error).toEqual(expect.any(String));
    expect(await countJobs()).toBe(before);
  });

  it("refuses an oversized body with 413 and the limit", async () => {
    const big = JSON.stringify({ job_name: "work", payload: { blob: "x".repeat(70 * 1024) } });
    const res = await submitRaw(big);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "PAYLOAD_TOO_LARGE", max_bytes: 64 * 1024 });
  });

  // Without Content-Length (chunked) the body is counted as it arrives.
  const submitStreamed = (body: string) =>
    fetch(`${server.url}/api/v1/jobs/submit`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.token}`, "content-type": "application/json" },
      body: new ReadableStream({
        start(controller) {
          for (let at = 0; at < body.length; at += 8192) {
            controller.enqueue(new TextEncoder().encode(body.slice(at, at + 8192)));
          }
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);

  it("refuses an oversized streamed body (no Content-Length) with 413 and writes nothing", async () => {
    const before = await countJobs();
    const res = await submitStreamed(
      JSON.stringify({ job_name: "work", payload: { blob: "x".repeat(70 * 1024) } }),
    );
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "PAYLOAD_TOO_LARGE", max_bytes: 64 * 1024 });
    expect(await countJobs()).toBe(before);
  });

  it("accepts a streamed body within the limit, and a body that starts with a byte order mark", async () => {
    const streamed = await submitStreamed(
      JSON.stringify({ job_name: "work", payload: { blob: "y".repeat(20 * 1024) } }),
    );
    expect(streamed.status).toBe(201);
    const withBom = await submitRaw(`\ufeff${JSON.stringify({ job_name: "work", payload: { bom: true } })}`);
    expect(withBom.status).toBe(201);
    const [row] = await server.db.sql`select payload from jobs.queue where id = ${(await withBom.json()).id}`;
    expect(row!.payload).toEqual({ bom: true });
  });

  it("accepts a body just under the limit", async () => {
    const res = await submitRaw(
      JSON.stringify({ job_name: "work", payload: { blob: "x".repeat(60 * 1024) } }),
    );
    expect(res.status).toBe(201);
  });

  it("refuses a bad Idempotency-Key", async () => {
    const res = await submitRaw('{"job_name": "work"}', { "idempotency-key": "k".repeat(300) });
    expect(res.status).toBe(400);
  });
});

describe("ids and query strings", () => {
  it.each([
    "not-a-uuid",
    "1",
    "'; drop table jobs.queue; --",
    "%00",
    "00000000-0000-0000-0000-00000000000g",
  ])("answers a non-uuid id %j with 400", async (id) => {
    for (const [method, suffix] of [
      ["GET", ""],
      ["GET", "/logs"],
      ["POST", "/cancel"],
      ["POST", "/retry"],
    ] as const) {
      const res = await server.request(method, `/api/v1/jobs/${encodeURIComponent(id)}${suffix}`, {
        token: alice.token,
      });
      expect(res.status).toBe(400);
      expect((await res.json()).code).toBe("INVALID_ID");
    }
  });

  it.each([
    "status=exploded",
    "limit=0",
    "limit=201",
    "limit=abc",
    "offset=-1",
    "include_result=maybe",
    "job_name=%27or%201=1",
  ])("refuses the query %s", async (query) => {
    const res = await server.request("GET", `/api/v1/jobs?${query}`, { token: alice.token });
    expect(res.status).toBe(400);
    expect((await res.json()).code).toBe("VALIDATION_ERROR");
  });

  it("refuses a bad after_line", async () => {
    const res = await server.request(
      "GET",
      "/api/v1/jobs/00000000-0000-4000-8000-000000000000/logs?after_line=x",
      {
        token: alice.token,
      },
    );
    expect(res.status).toBe(400);
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await server.request("GET", "/api/v1/nothing-here");
    expect(res.status).toBe(404);
    expect((await res.json()).code).toBe("ROUTE_NOT_FOUND");
  });
});
