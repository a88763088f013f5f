/** `/rest/v1/rpc/<fn>` through postgrest-js: named arguments, GET for stable functions, result shapes. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestUser } from "../support/server.ts";
import { createFixtures, restClient, seedTodos } from "./fixtures.ts";

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
const db = (user: TestUser = alice) => restClient(server, user.token);

beforeAll(async () => {
  server = await startTestServer();
  await createFixtures(server);
  await server.db.sql.unsafe(`
    create function app.add(a int, b int default 10) returns int language sql immutable as $$ select a + b $$;
    create function app.add(a int, b int, c int) returns int language sql immutable as $$ select a + b + c $$;
    create function app.my_todos(min_priority int default 0) returns setof app.todos
      language sql stable as $$ select * from app.todos where coalesce(priority, 0) >= min_priority $$;
    create function app.new_todo(title text) returns app.todos
      language sql volatile as $$ insert into app.todos (title) values (title) returning * $$;
    create function app.touch() returns void language sql volatile as $$ select $$;
    create function app.echo(payload jsonb, note text default null) returns jsonb
      language sql stable as $$ select payload || jsonb_build_object('note', note) $$;
    create function app.whole(jsonb) returns jsonb language sql stable as $$ select $1 $$;
    create function app.boom(msg text) returns int language plpgsql as $$ begin raise exception '%', msg; end $$;
    create function app.teapot() returns int language plpgsql as
      $$ begin raise sqlstate 'PT418' using message = 'I am a teapot'; end $$;
    create function app.series(n int) returns setof int language sql immutable as $$ select generate_series(1, n) $$;
    create function app.pair(out x int, out y text) language sql immutable as $$ select 1, 'one' $$;
    create function app.count_tags(tags text[]) returns int language sql immutable as $$ select cardinality(tags) $$;
    create function app.private_fn() returns int language sql as $$ select 1 $$;
    revoke execute on function app.private_fn() from public;
    grant execute on function app.private_fn() to service_role;`);
  [alice, bob] = [await server.user(), await server.user()];
  await seedTodos(server, alice.id, [
    { title: "a-low", priority: 1 },
    { title: "a-high", priority: 5 },
  ]);
  await seedTodos(server, bob.id, [{ title: "b-high", priority: 9 }]);
});
afterAll(() => server.stop());

describe("calls", () => {
  it("passes named arguments, fills defaults and picks the overload by argument names", async () => {
    expect((await db().rpc("add", { a: 1, b: 2 })).data).toBe(3);
    expect((await db().rpc("add", { a: 1 })).data).toBe(11);
    expect((await db().rpc("add", { a: 1, b: 2, c: 3 })).data).toBe(6);
    expect((await db().rpc("add", { a: 1, b: 2 }, { get: true })).data).toBe(3);
    expect((await db().rpc("count_tags", { tags: ["x", "y", "z"] })).data).toBe(3);
    expect((await db().rpc("count_tags", { tags: ["x", "y"] }, { get: true })).data).toBe(2);
  });

  it("returns sets of rows that select, filters, order, paging and counts apply to, under RLS", async () => {
    const { data, error, count } = await db()
      .rpc("my_todos", {}, { count: "exact" })
      .select("title, priority")
      .gte("priority", 1)
      .order("priority", { ascending: false })
      .limit(1);
    expect(error).toBeNull();
    expect(data).toEqual([{ title: "a-high", priority: 5 }]);
    expect(count).toBe(2);
    const viaGet = await db().rpc("my_todos", { min_priority: 2 }, { get: true }).select("title");
    expect(viaGet.data).toEqual([{ title: "a-high" }]);
    const bobs = await db(bob).rpc("my_todos").select("title");
    expect(bobs.data).toEqual([{ title: "b-high" }]);
    const head = await db().rpc("my_todos", {}, { head: true, count: "exact" });
    expect([head.data, head.count]).toEqual([null, 2]);
    const single = await db().rpc("my_todos", { min_priority: 5 }).select("title").single();
    expect(single.data).toEqual({ title: "a-high" });
  });

  it("returns scalars, sets of scalars, json and OUT-parameter records", async () => {
    expect((await db().rpc("series", { n: 3 })).data).toEqual([1, 2, 3]);
    expect((await db().rpc("echo", { payload: { a: [1, 2] }, note: "hi" })).data).toEqual({
      a: [1, 2],
      note: "hi",
    });
    expect((await db().rpc("whole", { any: "thing", n: 1 })).data).toEqual({ any: "thing", n: 1 });
    expect((await db().rpc("pair")).data).toEqual({ x: 1, y: "one" });
  });

  it("runs volatile functions through POST; GET is read-only (405)", async () => {
    const made = await db().rpc("new_todo", { title: "from rpc" });
    expect(made.error).toBeNull();
    expect(made.data).toMatchObject({ title: "from rpc", user_id: alice.id });
    const viaGet = await db().rpc("new_todo", { title: "sneaky" }, { get: true });
    expect([viaGet.status, viaGet.error?.code]).toEqual([405, "25006"]);
    expect(await server.db.sql`select 1 from app.todos where title = 'sneaky'`).toHaveLength(0);
  });

  it("answers 204 for void functions", async () => {
    const res = await db().rpc("touch");
    expect([res.status, res.data, res.error]).toEqual([204, null, null]);
  });
});

describe("errors", () => {
  it("unknown function or argument names: 404 PGRST202", async () => {
    const missing = await db().rpc("nope", { a: 1 });
    expect([missing.status, missing.error?.code]).toEqual([404, "PGRST202"]);
    const wrongArgs = await db().rpc("add", { x: 1 });
    expect([wrongArgs.status, wrongArgs.error?.code]).toEqual([404, "PGRST202"]);
    const extra = await db().rpc("add", { a: 1, b: 2, zzz: 3 });
    expect(extra.error?.code).toBe("PGRST202");
  });

  it("raised exceptions: P0001 is 400, PTxyz sets the status", async () => {
    const boom = await db().rpc("boom", { msg: "bad things" });
    expect([boom.status, boom.error?.code, boom.error?.message]).toEqual([400, "P0001", "bad things"]);
    const teapot = await db().rpc("teapot");
    expect([teapot.status, teapot.error?.message]).toEqual([418, "I am a teapot"]);
  });

  it("bad argument values are 400; a function without EXECUTE is 403 42501", async () => {
    const value = await db().rpc("add", { a: "one" });
    expect([value.status, value.error?.code]).toEqual([400, "22P02"]);
    const denied = await db().rpc("private_fn");
    expect([denied.status, denied.error?.code]).toEqual([403, "42501"]);
    const allowed = await restClient(server, server.serviceKey).rpc("private_fn");
    expect(allowed.data).toBe(1);
  });

  it("functions in unexposed schemas are not reachable", async () => {
    const res = await restClient(server, alice.token, "jobs").rpc("retry_job", { p_id: crypto.randomUUID() });
    expect([res.status, res.error?.code]).toEqual([406, "PGRST106"]);
  });
});
