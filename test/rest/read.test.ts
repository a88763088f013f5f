/** Reads through postgrest-js: select lists, filters, logic trees, order, paging, counts, single. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestUser } from "../support/server.ts";
import { createFixtures, restClient, seedTodos } from "./fixtures.ts";

let server: TestServer;
let alice: TestUser;
let ids: number[];
const db = () => restClient(server, alice.token);

beforeAll(async () => {
  server = await startTestServer();
  await createFixtures(server);
  alice = await server.user();
  ids = await seedTodos(server, alice.id, [
    {
      title: "buy milk",
      priority: 2,
      tags: ["home", "shop"],
      data: { kind: "errand", n: 1, nested: { deep: "x" } },
    },
    { title: "write report", priority: 1, tags: ["work"], data: { kind: "work", n: 2 }, done: true },
    { title: "call mom", priority: null, tags: ["home"], data: { kind: "family", n: 3 } },
    { title: "fix bike, (maybe)", priority: 3, tags: [], data: { kind: "errand", n: 4, list: [10, 20] } },
  ]);
});
afterAll(() => server.stop());

describe("select", () => {
  it("reads columns, aliases, casts and JSON paths", async () => {
    const { data, error } = await db()
      .from("todos")
      .select(
        "id, label:title, priority::text, kind:data->>kind, n:data->n, deep:data->nested->>deep, first:data->list->0",
      )
      .eq("id", ids[0])
      .single();
    expect(error).toBeNull();
    expect(data).toEqual({
      id: ids[0],
      label: "buy milk",
      priority: "2",
      kind: "errand",
      n: 1,
      deep: "x",
      first: null,
    });
    const second = await db().from("todos").select("data->list->1").eq("id", ids[3]).single();
    expect(second.data).toEqual({ list: 20 });
  });

  it("returns every column for * with JSON types intact", async () => {
    const { data, error } = await db().from("todos").select("*").eq("id", ids[0]);
    expect(error).toBeNull();
    expect(data![0]).toMatchObject({
      id: ids[0],
      user_id: alice.id,
      title: "buy milk",
      done: false,
      tags: ["home", "shop"],
      data: { kind: "errand", n: 1 },
    });
    expect(typeof data![0].created_at).toBe("string");
  });

  it("reads a view", async () => {
    const { data, error } = await db().from("my_open_todos").select("title").order("title");
    expect(error).toBeNull();
    expect(data).toEqual([{ title: "buy milk" }, { title: "call mom" }, { title: "fix bike, (maybe)" }]);
  });
});

describe("filters", () => {
  const titles = (rows: { title: string }[] | null) => (rows ?? []).map((r) => r.title).sort();

  it("compares with eq, neq, gt, gte, lt, lte", async () => {
    expect(titles((await db().from("todos").select("title").eq("title", "call mom")).data)).toEqual([
      "call mom",
    ]);
    expect((await db().from("todos").select("title").neq("done", true)).data).toHaveLength(3);
    expect(titles((await db().from("todos").select("title").gt("priority", 2)).data)).toEqual([
      "fix bike, (maybe)",
    ]);
    expect((await db().from("todos").select("title").gte("priority", 2)).data).toHaveLength(2);
    expect(titles((await db().from("todos").select("title").lt("priority", 2)).data)).toEqual([
      "write report",
    ]);
    expect((await db().from("todos").select("title").lte("priority", 2)).data).toHaveLength(2);
    expect((await db().from("todos").select("title").eq("done", false)).data).toHaveLength(3);
  });

  it("matches patterns with like and ilike (* is the wildcard), and their any/all forms", async () => {
    expect(titles((await db().from("todos").select("title").like("title", "%mil%")).data)).toEqual([
      "buy milk",
    ]);
    expect(titles((await db().from("todos").select("title").ilike("title", "*MOM")).data)).toEqual([
      "call mom",
    ]);
    const any = await db().from("todos").select("title").likeAnyOf("title", ["buy*", "call*"]);
    expect(titles(any.data)).toEqual(["buy milk", "call mom"]);
    const all = await db().from("todos").select("title").ilikeAllOf("title", ["*B*", "*K*"]);
    expect(titles(all.data)).toEqual(["buy milk", "fix bike, (maybe)"]);
  });

  it("tests with is, in, not and JSON paths", async () => {
    expect(titles((await db().from("todos").select("title").is("priority", null)).data)).toEqual([
      "call mom",
    ]);
    expect((await db().from("todos").select("title").is("done", true)).data).toHaveLength(1);
    expect((await db().from("todos").select("title").not("priority", "is", null)).data).toHaveLength(3);
    const inList = await db()
      .from("todos")
      .select("title")
      .in("title", ["call mom", "fix bike, (maybe)", "nope"]);
    expect(titles(inList.data)).toEqual(["call mom", "fix bike, (maybe)"]);
    expect((await db().from("todos").select("id").in("id", [])).data).toEqual([]);
    expect(
      titles((await db().from("todos").select("title").not("title", "in", '("call mom","buy milk")')).data),
    ).toEqual(["fix bike, (maybe)", "write report"]);
    expect(titles((await db().from("todos").select("title").eq("data->>kind", "errand")).data)).toEqual([
      "buy milk",
      "fix bike, (maybe)",
    ]);
    expect(titles((await db().from("todos").select("title").gt("data->n", 2)).data)).toEqual([
      "call mom",
      "fix bike, (maybe)",
    ]);
  });

  it("uses array, json and range operators: cs, cd, ov", async () => {
    expect(titles((await db().from("todos").select("title").contains("tags", ["home"])).data)).toEqual([
      "buy milk",
      "call mom",
    ]);
    expect(
      titles((await db().from("todos").select("title").containedBy("tags", ["home", "work"])).data),
    ).toEqual(["call mom", "fix bike, (maybe)", "write report"]);
    expect(
      titles((await db().from("todos").select("title").overlaps("tags", ["shop", "work"])).data),
    ).toEqual(["buy milk", "write report"]);
    expect(
      titles((await db().from("todos").select("title").contains("data", { kind: "work" })).data),
    ).toEqual(["write report"]);
    const ovList = await db().from("todos").select("title").filter("tags", "ov", "(shop,nothing)");
    expect(titles(ovList.data)).toEqual(["buy milk"]);
  });

  it("searches text with fts, plfts, phfts and wfts", async () => {
    expect(titles((await db().from("todos").select("title").textSearch("search", "bike")).data)).toEqual([
      "fix bike, (maybe)",
    ]);
    const plain = await db()
      .from("todos")
      .select("title")
      .textSearch("search", "write reports", { type: "plain" });
    expect(titles(plain.data)).toEqual(["write report"]);
    const phrase = await db()
      .from("todos")
      .select("title")
      .textSearch("title", "call mom", { type: "phrase", config: "english" });
    expect(titles(phrase.data)).toEqual(["call mom"]);
    const web = await db()
      .from("todos")
      .select("title")
      .textSearch("search", "milk or bike", { type: "websearch" });
    expect(titles(web.data)).toEqual(["buy milk", "fix bike, (maybe)"]);
  });

  it("combines with or=(...) and nested and(...), with quoted values", async () => {
    const or = await db().from("todos").select("title").or("priority.eq.1,title.eq.call mom");
    expect(titles(or.data)).toEqual(["call mom", "write report"]);
    const nested = await db()
      .from("todos")
      .select("title")
      .or('and(done.is.false,priority.gte.3),title.eq."buy milk",title.in.("call mom","x,y")');
    expect(titles(nested.data)).toEqual(["buy milk", "call mom", "fix bike, (maybe)"]);
    const quoted = await db().from("todos").select("title").or('title.eq."fix bike, (maybe)",id.eq.0');
    expect(titles(quoted.data)).toEqual(["fix bike, (maybe)"]);
    const negated = await db().from("todos").select("title").or("done.is.true,priority.not.lt.3");
    expect(titles(negated.data)).toEqual(["fix bike, (maybe)", "write report"]);
    const res = await fetch(
      `${server.url}/rest/v1/todos?select=title&not.or=(done.is.true,priority.is.null)`,
      {
        headers: { authorization: `Bearer ${alice.token}`, "accept-profile": "app" },
      },
    );
    expect(titles((await res.json()) as { title: string }[])).toEqual(["buy milk", "fix bike, (maybe)"]);
    const and = await fetch(
      `${server.url}/rest/v1/todos?select=title&and=(done.is.false,or(priority.eq.2,priority.eq.3))`,
      {
        headers: { authorization: `Bearer ${alice.token}`, "accept-profile": "app" },
      },
    );
    expect(titles((await and.json()) as { title: string }[])).toEqual(["buy milk", "fix bike, (maybe)"]);
  });
});

describe("order, paging and counts", () => {
  it("orders by several columns with nulls first/last and JSON paths", async () => {
    const byPriority = await db()
      .from("todos")
      .select("title")
      .order("priority", { ascending: false, nullsFirst: true });
    expect(byPriority.data!.map((r) => r.title)).toEqual([
      "call mom",
      "fix bike, (maybe)",
      "buy milk",
      "write report",
    ]);
    const nullsLast = await db().from("todos").select("title").order("priority", { nullsFirst: false });
    expect(nullsLast.data!.at(-1)!.title).toBe("call mom");
    const two = await db().from("todos").select("title").order("done").order("title", { ascending: false });
    expect(two.data!.map((r) => r.title)).toEqual([
      "fix bike, (maybe)",
      "call mom",
      "buy milk",
      "write report",
    ]);
    const json = await db().from("todos").select("title").order("data->n", { ascending: false }).limit(1);
    expect(json.data).toEqual([{ title: "fix bike, (maybe)" }]);
  });

  it("pages with limit/offset and range, and counts exactly with Content-Range", async () => {
    const page = await db().from("todos").select("id", { count: "exact" }).order("id").range(1, 2);
    expect(page.error).toBeNull();
    expect(page.data!.map((r) => r.id)).toEqual([ids[1], ids[2]]);
    expect(page.count).toBe(4);
    expect(page.status).toBe(206);
    const all = await db().from("todos").select("id", { count: "planned" });
    expect([all.count, all.status]).toEqual([4, 200]);
    const filtered = await db().from("todos").select("id", { count: "estimated" }).eq("done", false).limit(1);
    expect([filtered.data!.length, filtered.count]).toEqual([1, 3]);
    const res = await fetch(`${server.url}/rest/v1/todos?select=id&order=id`, {
      headers: {
        authorization: `Bearer ${alice.token}`,
        "accept-profile": "app",
        range: "2-3",
        "range-unit": "items",
      },
    });
    expect(res.headers.get("content-range")).toBe("2-3/*");
    expect(((await res.json()) as { id: number }[]).map((r) => r.id)).toEqual([ids[2], ids[3]]);
    const past = await db().from("todos").select("id", { count: "exact" }).range(10, 12);
    expect([past.status, past.error?.code]).toEqual([416, "PGRST103"]);
  });

  it("answers HEAD with headers only", async () => {
    const head = await db().from("todos").select("*", { count: "exact", head: true }).eq("done", false);
    expect(head.error).toBeNull();
    expect([head.data, head.count, head.status]).toEqual([null, 3, 200]);
  });
});

describe("single objects", () => {
  it("returns one object, or 406 PGRST116 when there is not exactly one row", async () => {
    const one = await db().from("todos").select("title").eq("id", ids[2]).single();
    expect(one.data).toEqual({ title: "call mom" });
    const none = await db().from("todos").select("title").eq("id", -1).single();
    expect([none.status, none.error?.code, none.data]).toEqual([406, "PGRST116", null]);
    const many = await db().from("todos").select("title").single();
    expect([many.status, many.error?.code]).toEqual([406, "PGRST116"]);
  });

  it("maybeSingle: null for no row, the row for one, an error for several", async () => {
    const none = await db().from("todos").select("title").eq("id", -1).maybeSingle();
    expect([none.data, none.error]).toEqual([null, null]);
    const one = await db().from("todos").select("title").eq("id", ids[1]).maybeSingle();
    expect(one.data).toEqual({ title: "write report" });
    const many = await db().from("todos").select("title").maybeSingle();
    expect(many.error?.code).toBe("PGRST116");
  });
});

describe("errors", () => {
  it("unknown table 404 PGRST205, unknown column 400 42703, bad syntax 400 PGRST100", async () => {
    const table = await db().from("nope").select("*");
    expect([table.status, table.error?.code]).toEqual([404, "PGRST205"]);
    expect(table.error).toMatchObject({
      message: expect.stringContaining("app.nope"),
      details: null,
      hint: null,
    });
    const column = await db().from("todos").select("nope");
    expect([column.status, column.error?.code]).toEqual([400, "42703"]);
    const filter = await db().from("todos").select("id").eq("nope", 1);
    expect([filter.status, filter.error?.code]).toEqual([400, "42703"]);
    const order = await db().from("todos").select("id").order("nope");
    expect([order.status, order.error?.code]).toEqual([400, "42703"]);
    const syntax = await db().from("todos").select("id,(");
    expect([syntax.status, syntax.error?.code]).toEqual([400, "PGRST100"]);
    const operator = await db().from("todos").select("id").filter("id", "nope", 1);
    expect([operator.status, operator.error?.code]).toEqual([400, "PGRST100"]);
    const value = await db().from("todos").select("id").eq("id", "abc");
    expect([value.status, value.error?.code]).toEqual([400, "22P02"]);
    const cast = await db().from("todos").select("id::nonsense");
    expect([cast.status, cast.error?.code]).toEqual([400, "42704"]);
    const casts = await db()
      .from("todos")
      .select("a:id::int,b:id::bigint,c:priority::numeric,d:tags::text[],e:id::double")
      .eq("id", ids[0])
      .single();
    expect(casts.data).toEqual({ a: ids[0], b: ids[0], c: 2, d: ["home", "shop"], e: ids[0] });
    const path = await db().from("todos").select("title->>x");
    expect([path.status, path.error?.code]).toEqual([400, "PGRST100"]);
  });

  it("schemas: Accept-Profile picks one, an unexposed one is 406 PGRST106, the default is the first", async () => {
    const jobs = await restClient(server, alice.token, "jobs").from("queue").select("id");
    expect([jobs.status, jobs.error?.code]).toEqual([406, "PGRST106"]);
    const auth = await restClient(server, alice.token, "auth").from("users").select("*");
    expect(auth.error?.code).toBe("PGRST106");
    const res = await fetch(`${server.url}/rest/v1/authors?select=id`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(res.status).toBe(200);
    const wrongSchema = await restClient(server, alice.token, "public").from("todos").select("id");
    expect(wrongSchema.error?.code).toBe("PGRST205");
  });

  it("needs a token", async () => {
    const res = await fetch(`${server.url}/rest/v1/todos`, { headers: { "accept-profile": "app" } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: "PGRST301", details: "TOKEN_MISSING", hint: null });
  });
});
