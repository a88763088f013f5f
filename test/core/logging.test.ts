/**
 * Logs as operators read them: `FLUXBASE_LOG_FORMAT=json` gives one pino JSON object per line, and
 * the lines about a request or a job run carry its request_id or job_id.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { resolveConfig } from "../../server/config/resolveConfig.ts";
import { defineJob } from "../../server/handlers/defineJob.ts";
import { createLogger, withFields } from "../../server/log.ts";
import { startTestServer, type TestServer, waitForJob } from "../support/server.ts";

const lines: Record<string, unknown>[] = [];
const capture = (line: string) => lines.push(JSON.parse(line));
const quick = defineJob({ name: "quick", handler: async () => "ok" });
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    workers: true,
    handlers: [quick],
    logger: createLogger("debug", "fluxbase", { format: "json", write: capture }),
  });
});
afterAll(async () => {
  await server?.stop();
});

it("writes JSON lines with time, level, scope and message, and the fields they are given", () => {
  const out: string[] = [];
  const log = createLogger("info", "fluxbase", { format: "json", write: (line) => out.push(line) });
  withFields(log, { request_id: "r-1" })
    .child("http")
    .warn("slow", { ms: 12, error: new Error("x") });
  log.debug("hidden below the level");
  expect(out).toHaveLength(1);
  expect(JSON.parse(out[0]!)).toEqual({
    time: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    level: "warn",
    scope: "fluxbase:http",
    msg: "slow",
    ms: 12,
    error: { message: "x", name: "Error" },
    request_id: "r-1",
  });
});

it("keeps the readable text format by default", () => {
  const out: string[] = [];
  createLogger("info", "fluxbase", { write: (line) => out.push(line) }).info("hello", { a: 1 });
  expect(out).toEqual([expect.stringMatching(/^\S+Z INFO {2}\[fluxbase\] hello \{"a":1\}\n$/)]);
});

it("gives every request an id, echoed in X-Request-Id and on its log lines", async () => {
  const mine = await server.request("GET", "/health", { headers: { "x-request-id": "trace-abc-123" } });
  expect(mine.headers.get("x-request-id")).toBe("trace-abc-123");
  const generated = await server.request("GET", "/api/v1/jobs", { token: (await server.user()).token });
  const id = generated.headers.get("x-request-id");
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  expect(lines).toContainEqual(
    expect.objectContaining({ msg: "request", request_id: "trace-abc-123", route: "/health", status: 200 }),
  );
  expect(lines).toContainEqual(
    expect.objectContaining({ msg: "request", request_id: id, route: "/api/v1/jobs" }),
  );
});

it("puts the job id on the lines a run writes", async () => {
  const { id } = await server.fluxbase.jobs.enqueue("quick", {});
  await waitForJob(server, id);
  await expect
    .poll(() => lines.find((line) => line.msg === "run ended" && line.job_id === id))
    .toMatchObject({ outcome: "completed", job_name: "quick" });
});

it("serves requests and runs jobs without turning on an async hook (it would slow every promise)", async () => {
  await server.request("GET", "/api/v1/jobs", { token: (await server.user()).token });
  await server.request("GET", "/api/v1/jobs/not-a-uuid", { token: (await server.user()).token });
  const { id } = await server.fluxbase.jobs.enqueue("quick", {});
  await waitForJob(server, id);
  // With any async hook on, Node stamps every new promise with its async ids.
  expect(Object.getOwnPropertySymbols(Promise.resolve())).toEqual([]);
});

it("refuses an unknown log format, naming the setting", () => {
  expect(() => resolveConfig({ env: { FLUXBASE_LOG_FORMAT: "xml" } })).toThrow(
    /FLUXBASE_LOG_FORMAT.*"text" or "json"/,
  );
});
