/** Row-level security through REST: every request runs as the caller, so the policies decide. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestUser } from "../support/server.ts";
import { createFixtures, restClient, seedTodos } from "./fixtures.ts";

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let aliceIds: number[];
let bobIds: number[];
const as = (user: TestUser) => restClient(server, user.token);

beforeAll(async () => {
  server = await startTestServer();
  await createFixtures(server);
  [alice, bob] = [await server.user(), await server.user()];
  aliceIds = await seedTodos(server, alice.id, [{ title: "alice 1" }, { title: "alice 2" }]);
  bobIds = await seedTodos(server, bob.id, [{ title: "bob 1" }]);
  await server.db.sql.unsafe(`
    insert into public.authors values (1, 'Ann');
    insert into public.posts (author_id, title, published) values (1, 'public post', true), (1, 'draft', false);`);
});
afterAll(() => server.stop());

describe("users", () => {
  it("read only their own rows, whatever the filters say", async () => {
    const mine = await as(alice).from("todos").select("title").order("title");
    expect(mine.data).toEqual([{ title: "alice 1" }, { title: "alice 2" }]);
    const aimed = await as(alice).from("todos").select("title").eq("id", bobIds[0]);
    expect(aimed.data).toEqual([]);
    const widened = await as(alice)
      .from("todos")
      .select("title")
      .or(`id.eq.${bobIds[0]},user_id.eq.${bob.id}`);
    expect(widened.data).toEqual([]);
    const counted = await as(alice).from("todos").select("id", { count: "exact", head: true });
    expect(counted.count).toBe(2);
    const single = await as(alice).from("todos").select("id").eq("id", bobIds[0]).single();
    expect(single.error?.code).toBe("PGRST116");
  });

  it("cannot update or delete another user's rows (nothing matches)", async () => {
    const update = await as(alice).from("todos").update({ title: "hijacked" }).eq("id", bobIds[0]).select();
    expect([update.error, update.data]).toEqual([null, []]);
    const remove = await as(alice).from("todos").delete().eq("id", bobIds[0]).select();
    expect([remove.error, remove.data]).toEqual([null, []]);
    const everything = await as(alice)
      .from("todos")
      .update({ priority: 1 })
      .select("id")
      .setHeader("Prefer", "allow-unfiltered, return=representation");
    expect((everything.data as { id: number }[]).map((r) => r.id).sort()).toEqual([...aliceIds].sort());
    const [bobRow] = await server.db.sql`select title, priority from app.todos where id = ${bobIds[0]!}`;
    expect(bobRow).toEqual({ title: "bob 1", priority: null });
  });

  it("cannot insert or move a row into another user's name (403 42501)", async () => {
    const planted = await as(alice).from("todos").insert({ title: "planted", user_id: bob.id });
    expect([planted.status, planted.error?.code]).toEqual([403, "42501"]);
    const moved = await as(alice).from("todos").update({ user_id: bob.id }).eq("id", aliceIds[0]);
    expect([moved.status, moved.error?.code]).toEqual([403, "42501"]);
    expect(await server.db.sql`select 1 from app.todos where title = 'planted'`).toHaveLength(0);
  });

  it("upsert cannot take over another user's row", async () => {
    const res = await as(alice)
      .from("todos")
      .upsert({ id: bobIds[0], title: "stolen", user_id: alice.id })
      .select();
    expect(res.error).not.toBeNull();
    const [bobRow] = await server.db.sql`select title from app.todos where id = ${bobIds[0]!}`;
    expect(bobRow).toEqual({ title: "bob 1" });
  });
});

describe("anon and service", () => {
  it("anon sees only what anon policies allow, and is 401 where it has no grant", async () => {
    const anon = restClient(server, server.anonKey, "public");
    const posts = await anon.from("posts").select("title");
    expect(posts.data).toEqual([{ title: "public post" }]);
    const todos = await restClient(server, server.anonKey).from("todos").select("*");
    expect([todos.status, todos.error?.code]).toEqual([401, "42501"]);
    const write = await anon.from("authors").insert({ id: 9, name: "anon" });
    expect([write.status, write.error?.code]).toEqual([401, "42501"]);
  });

  it("an authenticated user without a grant gets 403", async () => {
    const res = await restClient(server, alice.token, "public").from("authors").insert({ id: 10, name: "x" });
    expect([res.status, res.error?.code]).toEqual([403, "42501"]);
  });

  it("service_role bypasses RLS", async () => {
    const all = await restClient(server, server.serviceKey).from("todos").select("title").order("title");
    expect(all.data).toEqual([{ title: "alice 1" }, { title: "alice 2" }, { title: "bob 1" }]);
    const drafts = await restClient(server, server.serviceKey, "public")
      .from("posts")
      .select("title")
      .order("id");
    expect(drafts.data).toEqual([{ title: "public post" }, { title: "draft" }]);
  });

  it("claims reach policies: auth.uid() is the token's subject", async () => {
    const { data } = await as(bob).from("todos").insert({ title: "bob 2" }).select("user_id").single();
    expect(data).toEqual({ user_id: bob.id });
  });
});
