/** Writes through postgrest-js: insert, upsert, update, delete, return preferences and error mapping. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestUser } from "../support/server.ts";
import { createFixtures, restClient } from "./fixtures.ts";

let server: TestServer;
let alice: TestUser;
const db = () => restClient(server, alice.token);
const service = () => restClient(server, server.serviceKey, "public");

beforeAll(async () => {
  server = await startTestServer();
  await createFixtures(server);
  await server.db.sql.unsafe(`
    create table public.settings (
      owner text not null,
      key text not null,
      value text,
      version int not null default 1,
      primary key (owner, key)
    );
    create table public.tagged (
      code text not null unique,
      label text,
      hits int not null default 0
    );
    grant select, insert, update, delete on public.settings, public.tagged to service_role;
    create table public.inbox (id serial primary key, note text not null default 'empty', at timestamptz default now());
    alter table public.inbox enable row level security;
    alter table public.inbox force row level security;
    create policy drop_only on public.inbox for insert to authenticated with check (true);
    grant insert on public.inbox to authenticated;
    grant select on public.inbox to authenticated;
    grant usage on sequence public.inbox_id_seq to authenticated;`);
  alice = await server.user();
});
afterAll(() => server.stop());

describe("insert", () => {
  it("inserts one row; minimal by default (201, no body), representation with select", async () => {
    const minimal = await db().from("todos").insert({ title: "quiet" });
    expect([minimal.status, minimal.data, minimal.error]).toEqual([201, null, null]);
    const { data, error, status } = await db()
      .from("todos")
      .insert({ title: "loud", tags: ["a", "b"], data: { x: [1, { y: true }] } })
      .select("id, title, tags, data, user_id")
      .single();
    expect(error).toBeNull();
    expect(status).toBe(201);
    expect(data).toMatchObject({
      title: "loud",
      tags: ["a", "b"],
      data: { x: [1, { y: true }] },
      user_id: alice.id,
    });
    const [row] = await server.db.sql`select title, user_id from app.todos where id = ${data!.id}`;
    expect(row).toEqual({ title: "loud", user_id: alice.id });
  });

  it("inserts arrays (columns= from postgrest-js), counting them; missing keys are null unless missing=default", async () => {
    const rows = [{ title: "one", priority: 1 }, { title: "two" }];
    const { data, count, error } = await db()
      .from("todos")
      .insert(rows, { count: "exact" })
      .select("title, priority, done");
    expect(error).toBeNull();
    expect(count).toBe(2);
    expect(data).toEqual([
      { title: "one", priority: 1, done: false },
      { title: "two", priority: null, done: false },
    ]);
    const withDefaults = await db()
      .from("todos")
      .insert([{ title: "three", done: true }, { title: "four" }], { defaultToNull: false })
      .select("title, done");
    expect(withDefaults.data).toEqual([
      { title: "three", done: true },
      { title: "four", done: false },
    ]);
    const nullDone = await db()
      .from("todos")
      .insert([{ title: "five", done: true }, { title: "six" }]);
    expect(nullDone.error?.code).toBe("23502");
  });

  it("inserts default rows for {} and [{}], nothing for []", async () => {
    const inbox = () => restClient(server, alice.token, "public").from("inbox");
    expect((await inbox().insert({})).status).toBe(201);
    expect((await inbox().insert([{}, {}])).status).toBe(201);
    expect((await inbox().insert([])).status).toBe(201);
    expect(await server.db.sql`select note from public.inbox`).toEqual([
      { note: "empty" },
      { note: "empty" },
      { note: "empty" },
    ]);
  });

  it("return=minimal needs no SELECT policy; representation does (RLS on the returned rows)", async () => {
    const inbox = () => restClient(server, alice.token, "public").from("inbox");
    const minimal = await inbox().insert({ note: "write-only" });
    expect([minimal.status, minimal.error]).toEqual([201, null]);
    const representation = await inbox().insert({ note: "read back" }).select();
    expect([representation.status, representation.error?.code]).toEqual([403, "42501"]);
    expect(await server.db.sql`select 1 from public.inbox where note = 'read back'`).toHaveLength(0);
  });

  it("returns a Location for Prefer: return=headers-only", async () => {
    const res = await fetch(`${server.url}/rest/v1/authors`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${server.serviceKey}`,
        "content-type": "application/json",
        prefer: "return=headers-only",
      },
      body: JSON.stringify({ id: 77, name: "Located" }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe("/authors?id=eq.77");
    expect(await res.text()).toBe("");
  });

  it("maps constraint errors: 23505 and 23503 are 409, 23502, 23514 and 22P02 are 400", async () => {
    await service().from("authors").insert({ id: 1, name: "Ann" });
    const duplicate = await service().from("authors").insert({ id: 1, name: "Other" });
    expect([duplicate.status, duplicate.error?.code]).toEqual([409, "23505"]);
    expect(duplicate.error?.details).toContain("already exists");
    const reference = await service().from("posts").insert({ title: "x", author_id: 999 });
    expect([reference.status, reference.error?.code]).toEqual([409, "23503"]);
    const notNull = await db().from("todos").insert({ priority: 1 });
    expect([notNull.status, notNull.error?.code]).toEqual([400, "23502"]);
    const check = await db()
      .from("todos")
      .insert({ title: "x".repeat(201) });
    expect([check.status, check.error?.code]).toEqual([400, "23514"]);
    const syntax = await db().from("todos").insert({ title: "x", priority: "high" });
    expect([syntax.status, syntax.error?.code]).toEqual([400, "22P02"]);
    const column = await db().from("todos").insert({ title: "x", nope: 1 });
    expect([column.status, column.error?.code]).toEqual([400, "PGRST204"]);
    const generated = await db().from("todos").insert({ title: "x", search: "a" });
    expect(generated.status).toBe(400);
  });

  it("refuses bodies that are not JSON objects", async () => {
    for (const body of ["", "nope", "[1,2]", '"x"', "null", "{"]) {
      const res = await fetch(`${server.url}/rest/v1/todos`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${alice.token}`,
          "content-profile": "app",
          "content-type": "application/json",
        },
        body,
      });
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe("PGRST102");
    }
  });

  it("rolls back an insert that asked for one object but made several (406)", async () => {
    const res = await db()
      .from("todos")
      .insert([{ title: "twin-a" }, { title: "twin-b" }])
      .select()
      .single();
    expect([res.status, res.error?.code]).toEqual([406, "PGRST116"]);
    expect(await server.db.sql`select 1 from app.todos where title like 'twin-%'`).toHaveLength(0);
  });
});

describe("upsert", () => {
  it("merges duplicates on the primary key", async () => {
    await service().from("settings").insert({ owner: "a", key: "theme", value: "dark" });
    const { data, error } = await service()
      .from("settings")
      .upsert([
        { owner: "a", key: "theme", value: "light" },
        { owner: "a", key: "lang", value: "fr" },
      ])
      .select("key, value")
      .order("key");
    expect(error).toBeNull();
    expect(data).toEqual(
      expect.arrayContaining([
        { key: "theme", value: "light" },
        { key: "lang", value: "fr" },
      ]),
    );
    expect(await server.db.sql`select key, value from public.settings order by key`).toEqual([
      { key: "lang", value: "fr" },
      { key: "theme", value: "light" },
    ]);
  });

  it("ignores duplicates, and uses on_conflict for a unique column", async () => {
    await service().from("tagged").insert({ code: "x", label: "first" });
    const ignored = await service()
      .from("tagged")
      .upsert({ code: "x", label: "second" }, { onConflict: "code", ignoreDuplicates: true })
      .select();
    expect([ignored.error, ignored.data]).toEqual([null, []]);
    const merged = await service()
      .from("tagged")
      .upsert({ code: "x", label: "third" }, { onConflict: "code" })
      .select("code, label, hits");
    expect(merged.data).toEqual([{ code: "x", label: "third", hits: 0 }]);
    const noKey = await service().from("tagged").upsert({ code: "y" });
    expect([noKey.status, noKey.error?.code]).toEqual([400, "PGRST100"]);
    const badTarget = await service().from("tagged").upsert({ code: "y" }, { onConflict: "label" });
    expect(badTarget.status).toBe(400);
    const unknownTarget = await service().from("tagged").upsert({ code: "y" }, { onConflict: "nope" });
    expect(unknownTarget.error?.code).toBe("42703");
  });
});

describe("update and delete", () => {
  it("updates matching rows; representation returns them (200), minimal is 204", async () => {
    const { data: made } = await db()
      .from("todos")
      .insert({ title: "to-edit", priority: 1 })
      .select("id")
      .single();
    const minimal = await db().from("todos").update({ priority: 5 }).eq("id", made!.id);
    expect([minimal.status, minimal.error]).toEqual([204, null]);
    const { data, status, count } = await db()
      .from("todos")
      .update({ title: "edited", data: { edited: true } }, { count: "exact" })
      .eq("id", made!.id)
      .select("title, priority, data");
    expect([status, count]).toEqual([200, 1]);
    expect(data).toEqual([{ title: "edited", priority: 5, data: { edited: true } }]);
  });

  it("deletes matching rows and returns them when asked", async () => {
    await db()
      .from("todos")
      .insert([{ title: "del-1" }, { title: "del-2" }, { title: "keep" }]);
    const { data, error } = await db()
      .from("todos")
      .delete()
      .like("title", "del-*")
      .select("title")
      .order("title");
    expect(error).toBeNull();
    expect(data).toEqual([{ title: "del-1" }, { title: "del-2" }]);
    const none = await db().from("todos").delete().eq("title", "del-1");
    expect([none.status, none.error]).toEqual([204, null]);
  });

  it("refuses an unfiltered PATCH or DELETE unless Prefer: allow-unfiltered or max-affected", async () => {
    const update = await db().from("todos").update({ priority: 0 });
    expect([update.status, update.error?.code, update.error?.message]).toEqual([
      400,
      "21000",
      "UPDATE requires a WHERE clause",
    ]);
    const remove = await db().from("todos").delete();
    expect([remove.status, remove.error?.code]).toEqual([400, "21000"]);
    const limited = await db().from("todos").delete().limit(1);
    expect(limited.status).toBe(400);
    const before = (
      await server.db.sql`select count(*)::int as n from app.todos where user_id = ${alice.id}`
    )[0]!.n;
    const allowed = await db()
      .from("todos")
      .update({ priority: 9 }, { count: "exact" })
      .setHeader("Prefer", "allow-unfiltered, count=exact");
    expect([allowed.error, allowed.count]).toEqual([null, before]);
  });

  it("max-affected with handling=strict rolls back a change touching too many rows", async () => {
    await db()
      .from("todos")
      .insert([{ title: "cap-1" }, { title: "cap-2" }]);
    const res = await fetch(`${server.url}/rest/v1/todos?title=like.cap-*`, {
      method: "PATCH",
      headers: {
        authorization: `Bearer ${alice.token}`,
        "content-profile": "app",
        "content-type": "application/json",
        prefer: "handling=strict, max-affected=1",
      },
      body: JSON.stringify({ priority: 42 }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe("PGRST124");
    expect(await server.db.sql`select 1 from app.todos where priority = 42`).toHaveLength(0);
  });

  it("Prefer: tx=rollback answers as if committed but keeps nothing", async () => {
    const res = await db().from("todos").insert({ title: "ghost" }).select("title").rollback();
    expect(res.data).toEqual([{ title: "ghost" }]);
    expect(await server.db.sql`select 1 from app.todos where title = 'ghost'`).toHaveLength(0);
  });

  it("PATCH .single() touching no row is 406 and changes nothing", async () => {
    const res = await db().from("todos").update({ priority: 3 }).eq("id", -5).select().single();
    expect([res.status, res.error?.code]).toEqual([406, "PGRST116"]);
  });

  it("PUT is not supported (405)", async () => {
    const res = await fetch(`${server.url}/rest/v1/todos?id=eq.1`, {
      method: "PUT",
      headers: { authorization: `Bearer ${alice.token}`, "content-profile": "app" },
      body: "{}",
    });
    expect(res.status).toBe(405);
    expect(((await res.json()) as { code: string }).code).toBe("PGRST117");
  });
});
