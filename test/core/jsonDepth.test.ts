/**
 * Deeply nested JSON is refused with a clear 4xx wherever JSON comes in (submit, the admin API,
 * REST writes and RPC, realtime frames), before anything recurses over it; nothing is written, and
 * the server keeps serving. Nesting up to the limit is accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonDepth, maxJsonDepth, parseJson } from "../../server/parseJson.ts";
import { rawSocket } from "../realtime/helpers.ts";
import { insertFunction, startTestServer, type TestServer, type TestUser } from "../support/server.ts";

let server: TestServer;
let alice: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  alice = await server.user();
  await insertFunction(server, { name: "work" });
  await server.db.sql.unsafe(`
    create table app.notes (id serial primary key, data jsonb not null);
    alter table app.notes enable row level security;
    alter table app.notes force row level security;
    create policy notes_service on app.notes for all to service_role using (true) with check (true);
    grant select, insert on app.notes to service_role;
    grant usage on sequence app.notes_id_seq to service_role;
    create function app.echo(data jsonb) returns jsonb language sql as 'select data';
    grant execute on function app.echo(jsonb) to service_role;
    notify pgrst, 'reload schema';`);
});
afterAll(() => server?.stop());

const arrays = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const objects = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
const deep = [
  ["10,000 nested arrays", arrays(10_000)],
  ["5,000 nested objects", objects(5_000)],
] as const;

const count = async (table: string) =>
  (await server.db.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ${table}`))[0]!.n;

describe("the depth scan", () => {
  it("counts nesting outside strings only", () => {
    expect(jsonDepth('{"a": "[[[[{{{", "b": [1, [2, {"c": "\\"]]"}]]}')).toBe(4);
    expect(jsonDepth(arrays(3))).toBe(3);
    expect(() => parseJson(arrays(maxJsonDepth))).not.toThrow();
    expect(() => parseJson(arrays(maxJsonDepth + 1))).toThrow(/deeper than 128/);
    expect(() => parseJson("[1,")).toThrow(SyntaxError);
  });
});

describe.each(deep)("%s", (_name, text) => {
  it("submit: 400 JSON_TOO_DEEP, no job written", async () => {
    const before = await count("jobs.queue");
    const res = await server.request("POST", "/api/v1/jobs/submit", {
      token: alice.token,
      body: `{"job_name": "work", "payload": {"x": ${text}}}`,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "JSON_TOO_DEEP", max_depth: maxJsonDepth });
    expect(await count("jobs.queue")).toBe(before);
  });

  it("admin API: 400 JSON_TOO_DEEP, no function written", async () => {
    const before = await count("jobs.functions");
    const res = await server.request("POST", "/api/v1/admin/jobs/functions", {
      token: server.serviceKey,
      body: `{"name": "deep", "code": "export function handler() {}", "x": ${text}}`,
    });
    expect(res.status).toBe(400);
    expect((await res.json()).code).toBe("JSON_TOO_DEEP");
    expect(await count("jobs.functions")).toBe(before);
  });

  it("REST insert and RPC: 400 PGRST102, nothing written", async () => {
    const headers = { "content-profile": "app", apikey: server.serviceKey };
    const insert = await server.request("POST", "/rest/v1/notes", {
      token: server.serviceKey,
      body: `{"data": ${text}}`,
      headers,
    });
    expect(insert.status).toBe(400);
    expect(await insert.json()).toMatchObject({ code: "PGRST102", details: expect.stringMatching(/deeper/) });
    expect(await count("app.notes")).toBe(0);
    const rpc = await server.request("POST", "/rest/v1/rpc/echo", {
      token: server.serviceKey,
      body: `{"data": ${text}}`,
      headers,
    });
    expect(rpc.status).toBe(400);
    expect((await rpc.json()).code).toBe("PGRST102");
  });

  it("realtime: the frame is refused with 1007 and a reason, other sockets carry on", async () => {
    const socket = await rawSocket(server.url, server.anonKey);
    socket.send(`{"topic": "realtime:x", "event": "phx_join", "ref": "1", "payload": ${text}}`);
    expect(await socket.closed).toEqual({ code: 1007, reason: expect.stringMatching(/deeper than 128/) });
    const healthy = await rawSocket(server.url, server.anonKey);
    healthy.send({ topic: "phoenix", event: "heartbeat", payload: {}, ref: "h" });
    expect((await healthy.next((f) => f.ref === "h")).payload.status).toBe("ok");
    healthy.ws.close();
  });
});

it("a payload nested to the limit is accepted and stored as sent", async () => {
  const payload = JSON.parse(objects(maxJsonDepth - 2));
  const res = await server.request("POST", "/api/v1/jobs/submit", {
    token: alice.token,
    body: { job_name: "work", payload: { x: payload } },
  });
  expect(res.status).toBe(201);
  const { id } = await res.json();
  const [row] = await server.db.sql<{ payload: unknown }[]>`select payload from jobs.queue where id = ${id}`;
  expect(row!.payload).toEqual({ x: payload });
});
