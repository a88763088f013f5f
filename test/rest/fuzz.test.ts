/**
 * Filter-injection fuzzing, deterministic (seeded): hostile strings (quotes, parentheses, commas, `;`,
 * `--`, unicode, NUL, lone surrogates, very long) in filter values, column names, select lists, order,
 * logic trees, relation and function names, headers and bodies. Every answer must be a PostgREST-style
 * 4xx or a correct result, never a 5xx, and never show another user's rows or change them.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestUser } from "../support/server.ts";
import { createFixtures, seedTodos } from "./fixtures.ts";

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
const marker = `BOB-SECRET-${randomUUID()}`;
let bobIds: number[];

beforeAll(async () => {
  server = await startTestServer();
  await createFixtures(server);
  await server.db.sql.unsafe(
    `create function app.add(a int, b int) returns int language sql as $$ select a + b $$`,
  );
  [alice, bob] = [await server.user(), await server.user()];
  await seedTodos(server, alice.id, [
    { title: "alice one", priority: 1, tags: ["x"], data: { k: "v" } },
    { title: "alice two", priority: 2 },
  ]);
  bobIds = await seedTodos(server, bob.id, [
    { title: marker, priority: 1, tags: ["x"], data: { k: marker } },
    { title: `${marker}-2`, priority: 2, data: { k: "v" } },
  ]);
});
afterAll(() => server.stop());

/** mulberry32: small, fast, deterministic. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fragments = [
  "'",
  '"',
  "(",
  ")",
  ",",
  ";",
  "--",
  "/*",
  "*/",
  "\\",
  "\u0000",
  "%",
  "*",
  ".",
  ":",
  "::",
  "->",
  "->>",
  "!",
  "{",
  "}",
  "[",
  "]",
  " ",
  "=",
  "&",
  "#",
  "?",
  "+",
  "$1",
  "$$",
  "é",
  "😀",
  "\ud800",
  "\u202e",
  "\n",
  "or 1=1",
  "' or '1'='1",
  '" or "1"="1',
  "); drop table app.todos; --",
  "union select * from app.todos",
  "select",
  "not.",
  "eq.",
  "in.(",
  "is.null",
  "or(",
  "and(",
  "user_id",
  "title",
  "id",
  "data",
  "tags",
  "pg_sleep(5)",
  "current_user",
  '"user_id"',
  "todos",
  "app.todos",
  "auth.uid()",
  "null",
  "true",
  "1",
];

function evil(rand: () => number, bobId: string): string {
  if (rand() < 0.04)
    return "x".repeat(1000 + Math.floor(rand() * 2500)) + fragments[Math.floor(rand() * fragments.length)];
  const parts = 1 + Math.floor(rand() * 6);
  let out = "";
  for (let i = 0; i < parts; i++)
    out += rand() < 0.05 ? bobId : fragments[Math.floor(rand() * fragments.length)]!;
  return out;
}

/** Percent-encodes every UTF-8 byte (lone surrogates become U+FFFD, as a browser would send them). */
const enc = (text: string) =>
  [...Buffer.from(text, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");
/** Header values must be printable ASCII. */
const headerSafe = (text: string) => text.replace(/[^\x20-\x7e]/g, "?").slice(0, 2000);

interface Case {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

function makeCases(count: number): Case[] {
  const rand = random(20260101);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)]!;
  const e = () => evil(rand, bob.id);
  const ops = [
    "eq",
    "neq",
    "gt",
    "gte",
    "lt",
    "lte",
    "like",
    "ilike",
    "match",
    "imatch",
    "is",
    "in",
    "cs",
    "cd",
    "ov",
    "fts",
    "plfts",
    "phfts",
    "wfts",
    "isdistinct",
    "not.eq",
    "not.in",
    "eq(any)",
    "like(all)",
    "fts(english)",
  ];
  const columns = [
    "title",
    "id",
    "user_id",
    "priority",
    "tags",
    "data",
    "data->>k",
    "data->k",
    "search",
    "created_at",
    "slot",
    "done",
  ];
  const generators: (() => Case)[] = [
    () => ({
      method: "GET",
      path: `todos?select=id,user_id,title&${pick(columns)}=${enc(`${pick(ops)}.${e()}`)}`,
    }),
    () => ({ method: "GET", path: `todos?select=id,title&${enc(e())}=${enc(`eq.${e()}`)}` }),
    () => ({ method: "GET", path: `todos?select=${enc(e())}` }),
    () => ({ method: "GET", path: `todos?select=id,${enc(`${e()}:title`)},${enc(`data->>${e()}`)}` }),
    () => ({ method: "GET", path: `todos?select=${enc(`title::${e()}`)}` }),
    () => ({ method: "GET", path: `todos?select=title&order=${enc(e())}` }),
    () => ({ method: "GET", path: `todos?select=title&order=${enc(`${pick(columns)}.${e()}`)}` }),
    () => ({ method: "GET", path: `todos?select=title&or=${enc(`(${e()})`)}` }),
    () => ({
      method: "GET",
      path: `todos?select=title&or=${enc(`(${pick(columns)}.${pick(ops)}.${e()},id.eq.${e()})`)}`,
    }),
    () => ({
      method: "GET",
      path: `todos?select=title&and=${enc(`(title.eq."${e()}",or(${pick(columns)}.${pick(ops)}.${e()}))`)}`,
    }),
    () => ({ method: "GET", path: `todos?select=title&${pick(["limit", "offset"])}=${enc(e())}` }),
    () => ({ method: "GET", path: `${enc(e())}?select=*` }),
    () => ({ method: "GET", path: `todos?select=title,${enc(e())}(*)` }),
    () => ({ method: "GET", path: "todos?select=title", headers: { "accept-profile": headerSafe(e()) } }),
    () => ({
      method: "GET",
      path: "todos?select=title",
      headers: { prefer: headerSafe(e()), range: headerSafe(e()) },
    }),
    () => ({ method: "GET", path: "todos?select=title", headers: { accept: headerSafe(e()) } }),
    () => ({
      method: "POST",
      path: "todos?select=id,user_id,title",
      headers: { prefer: "return=representation" },
      body: JSON.stringify(rand() < 0.5 ? { title: e() } : { [e()]: e() }),
    }),
    () => ({ method: "POST", path: `todos?columns=${enc(e())}`, body: JSON.stringify([{ title: "x" }]) }),
    () => ({ method: "POST", path: "todos", body: e() }),
    () => ({
      method: "POST",
      path: `todos?on_conflict=${enc(e())}`,
      headers: { prefer: "resolution=merge-duplicates" },
      body: JSON.stringify({ id: bobIds[0], title: "taken over", user_id: bob.id }),
    }),
    () => ({
      method: "PATCH",
      path: `todos?select=id,user_id,title&${pick(columns)}=${enc(`${pick(ops)}.${e()}`)}`,
      headers: { prefer: "return=representation" },
      body: JSON.stringify({ priority: 7 }),
    }),
    () => ({
      method: "PATCH",
      path: `todos?or=${enc(`(id.eq.${bobIds[0]},title.eq.${e()})`)}`,
      headers: { prefer: "return=representation" },
      body: JSON.stringify({ title: e() }),
    }),
    () => ({
      method: "DELETE",
      path: `todos?select=title&${enc(e())}=${enc(`${pick(ops)}.${e()}`)}`,
      headers: { prefer: "return=representation, tx=rollback" },
    }),
    () => ({
      method: "DELETE",
      path: `todos?user_id=eq.${enc(bob.id + e())}`,
      headers: { prefer: "return=representation" },
    }),
    () => ({ method: "POST", path: `rpc/${enc(e())}`, body: JSON.stringify({ a: 1 }) }),
    () => ({ method: "POST", path: "rpc/add", body: JSON.stringify({ a: e(), [e()]: 1 }) }),
    () => ({ method: "GET", path: `rpc/add?a=${enc(e())}&b=2&${enc(e())}=${enc(e())}` }),
  ];
  return Array.from({ length: count }, () => pick(generators)());
}

describe("hostile input", () => {
  it("never answers 5xx, never leaks or changes another user's rows", async () => {
    const cases = makeCases(420);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < cases.length; i += 8) {
      await Promise.all(
        cases.slice(i, i + 8).map(async (c) => {
          const res = await fetch(`${server.url}/rest/v1/${c.path}`, {
            method: c.method,
            headers: {
              authorization: `Bearer ${alice.token}`,
              "accept-profile": "app",
              "content-profile": "app",
              "content-type": "application/json",
              ...c.headers,
            },
            ...(c.body === undefined ? {} : { body: c.body }),
          });
          const text = await res.text();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const where = `${c.method} ${c.path.slice(0, 200)} → ${res.status} ${text.slice(0, 200)}`;
          if (res.status >= 500) failures.push(`5xx: ${where}`);
          if (text.includes(marker)) failures.push(`leak: ${where}`);
          if (res.status >= 400 && res.status !== 431 && text !== "") {
            const body = JSON.parse(text) as Record<string, unknown>;
            if (
              typeof body.code !== "string" ||
              typeof body.message !== "string" ||
              !("details" in body) ||
              !("hint" in body)
            ) {
              failures.push(`shape: ${where}`);
            }
          }
        }),
      );
    }
    expect(failures).toEqual([]);
    expect([...statuses.keys()].every((status) => status < 500)).toBe(true);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(20);
    expect([...statuses.keys()].filter((s) => s >= 400).length).toBeGreaterThanOrEqual(3);
  });

  it("passes hostile values through unchanged: what is stored is exactly what eq, in and or find", async () => {
    const rand = random(7);
    const get = async (query: string) => {
      const res = await fetch(`${server.url}/rest/v1/todos?select=title,user_id&${query}`, {
        headers: { authorization: `Bearer ${alice.token}`, "accept-profile": "app" },
      });
      return {
        status: res.status,
        rows: res.ok ? ((await res.json()) as { title: string; user_id: string }[]) : [],
      };
    };
    const quote = (v: string) => `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
    let roundTrips = 0;
    for (let i = 0; i < 120; i++) {
      const value = `${evil(rand, bob.id).slice(0, 150)}#${i}`;
      const before = await get(`title=eq.${enc(value)}`);
      expect(before.status).toBeLessThan(500);
      expect(before.rows).toEqual([]);
      const made = await fetch(`${server.url}/rest/v1/todos`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${alice.token}`,
          "content-profile": "app",
          "content-type": "application/json",
        },
        body: JSON.stringify({ title: value }),
      });
      expect(made.status).toBeLessThan(500);
      if (made.status !== 201) continue; // NUL or a lone surrogate: Postgres text cannot hold it (400)
      roundTrips++;
      const expected = [
        {
          title: value.replace(
            /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
            "\ufffd",
          ),
          user_id: alice.id,
        },
      ];
      expect((await get(`title=eq.${enc(value)}`)).rows, value).toEqual(expected);
      expect((await get(`title=in.${enc(`(${quote(value)})`)}`)).rows, value).toEqual(expected);
      expect((await get(`or=${enc(`(title.eq.${quote(value)},id.eq.-1)`)}`)).rows, value).toEqual(expected);
    }
    expect(roundTrips).toBeGreaterThan(80);
  });

  it("left Bob's rows and the schema untouched", async () => {
    const rows = await server.db
      .sql`select id, user_id, title, priority from app.todos where user_id = ${bob.id} order by id`;
    expect(rows).toEqual([
      { id: String(bobIds[0]), user_id: bob.id, title: marker, priority: 1 },
      { id: String(bobIds[1]), user_id: bob.id, title: `${marker}-2`, priority: 2 },
    ]);
    const [table] = await server.db.sql`select to_regclass('app.todos') is not null as present`;
    expect(table).toEqual({ present: true });
  });
});

describe("limits", () => {
  const get = (query: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/rest/v1/todos?${query}`, {
      headers: { authorization: `Bearer ${alice.token}`, "accept-profile": "app", ...headers },
    });

  it("bounds nesting, and copes with many filters, long lists and huge bodies without a 5xx", async () => {
    const deep = await get(`or=${enc(`${"(and".repeat(200)}(id.eq.1${")".repeat(201)}`)}`);
    expect([deep.status, ((await deep.json()) as { code: string }).code]).toEqual([400, "PGRST100"]);
    const embeds = await get(`select=${enc(`${"todos(".repeat(20)}id${")".repeat(20)}`)}`);
    expect(embeds.status).toBe(400);
    const many = await get(Array.from({ length: 1400 }, () => "id=gt.0").join("&"));
    expect(many.status).toBe(200);
    const list = await get(`id=in.(${Array.from({ length: 2000 }, (_, i) => i).join(",")})`);
    expect(list.status).toBe(200);
    const tooLong = await get(`title=eq.${"x".repeat(40_000)}`);
    expect(tooLong.status).toBeGreaterThanOrEqual(400);
    expect(tooLong.status).toBeLessThan(500);
    const post = (body: string) =>
      fetch(`${server.url}/rest/v1/todos`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${alice.token}`,
          "content-profile": "app",
          "content-type": "application/json",
        },
        body,
      });
    const huge = await post(JSON.stringify({ title: "x".repeat(2 * 1024 * 1024) }));
    expect([huge.status, ((await huge.json()) as { code: string }).code]).toEqual([413, "PGRST413"]);
    const nested = await post(`{"title":"n","data":${"[".repeat(50_000)}${"]".repeat(50_000)}}`);
    expect(nested.status).toBe(400);
  });
});
