/** Embedded resources through foreign keys: to-one as an object, to-many as an array, hints, !inner. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.ts";
import { createFixtures, restClient } from "./fixtures.ts";

let server: TestServer;
const db = () => restClient(server, server.anonKey, "public");

beforeAll(async () => {
  server = await startTestServer();
  await createFixtures(server);
  await server.db.sql.unsafe(`
    insert into public.authors values (1, 'Ann'), (2, 'Bob');
    insert into public.posts (id, author_id, editor_id, title, published) values
      (1, 1, 2, 'Ann one', true), (2, 1, null, 'Ann two', true), (3, 2, 1, 'Bob one', true), (4, 2, null, 'Bob draft', false);
    insert into public.comments (post_id, text) values (1, 'nice'), (1, 'great'), (3, 'meh'), (4, 'hidden draft comment');`);
});
afterAll(() => server.stop());

describe("embedding", () => {
  it("embeds a to-one relationship by foreign key column and a to-many one by table", async () => {
    const { data, error } = await db()
      .from("posts")
      .select("title, author:author_id(name), comments(text)")
      .eq("id", 1)
      .single();
    expect(error).toBeNull();
    expect(data).toEqual({
      title: "Ann one",
      author: { name: "Ann" },
      comments: [{ text: "nice" }, { text: "great" }],
    });
  });

  it("needs a hint when two foreign keys lead to the same table (300 PGRST201), and follows it", async () => {
    const ambiguous = await db().from("posts").select("title, authors(name)");
    expect([ambiguous.status, ambiguous.error?.code]).toEqual([300, "PGRST201"]);
    const hinted = await db()
      .from("posts")
      .select("title, writer:authors!posts_author_id_fkey(name), editor:authors!editor_id(name)")
      .eq("id", 3)
      .single();
    expect(hinted.data).toEqual({ title: "Bob one", writer: { name: "Bob" }, editor: { name: "Ann" } });
  });

  it("nests, filters, orders and limits embedded rows; !inner filters the parents", async () => {
    const { data } = await db()
      .from("authors")
      .select("name, posts!posts_author_id_fkey(title, comments(text))")
      .order("name")
      .order("title", { referencedTable: "posts", ascending: false })
      .limit(1, { referencedTable: "posts" });
    expect(data).toEqual([
      { name: "Ann", posts: [{ title: "Ann two", comments: [] }] },
      { name: "Bob", posts: [{ title: "Bob one", comments: [{ text: "meh" }] }] },
    ]);
    const inner = await db().from("posts").select("title, comments!inner(text)").eq("comments.text", "meh");
    expect(inner.data).toEqual([{ title: "Bob one", comments: [{ text: "meh" }] }]);
  });

  it("applies RLS inside embeds (the draft's comment is reachable only through its hidden post)", async () => {
    const { data } = await db().from("comments").select("text, post:post_id(title)").order("id");
    expect(data).toEqual([
      { text: "nice", post: { title: "Ann one" } },
      { text: "great", post: { title: "Ann one" } },
      { text: "meh", post: { title: "Bob one" } },
      { text: "hidden draft comment", post: null },
    ]);
  });

  it("refuses unknown relationships and filters on resources that are not embedded", async () => {
    const unknown = await db().from("posts").select("title, nope(*)");
    expect([unknown.status, unknown.error?.code]).toEqual([400, "PGRST200"]);
    const notEmbedded = await db().from("posts").select("title").eq("comments.text", "x");
    expect([notEmbedded.status, notEmbedded.error?.code]).toEqual([400, "PGRST108"]);
  });
});
