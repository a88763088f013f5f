/** The query-string grammars and the SQL-text helpers, without a server. */
import { describe, expect, it } from "vitest";
import { resolveExposedSchemas } from "../../server/rest/exposedSchemas.ts";
import { parseFilter, parseList, parseLogicParam } from "../../server/rest/parseFilter.ts";
import { parseOrder, parsePage } from "../../server/rest/parsePaging.ts";
import { parseQuery } from "../../server/rest/parseQuery.ts";
import { parseSelect } from "../../server/rest/parseSelect.ts";
import { pgStatus } from "../../server/rest/pgErrorToRest.ts";
import { parsePreferences } from "../../server/rest/preferences.ts";
import { arrayLiteral } from "../../server/rest/renderFilter.ts";
import { RestError } from "../../server/rest/restError.ts";
import { checkAlias, quoteIdent } from "../../server/rest/sqlText.ts";

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof RestError ? `${error.status} ${error.code}` : String(error);
  }
  return "ok";
};

describe("select", () => {
  it("parses columns, aliases, casts, JSON paths and embeds", () => {
    expect(parseSelect(undefined)).toEqual([{ kind: "star" }]);
    expect(
      parseSelect('id,name:"full name"::text,data->a->>b,arr->0,author!fk(*),x:posts!inner(id,c(t))'),
    ).toEqual([
      { kind: "field", field: { name: "id", path: [] } },
      { kind: "field", alias: "name", field: { name: "full name", path: [] }, cast: "text" },
      {
        kind: "field",
        field: {
          name: "data",
          path: [
            { arrow: "->", key: "a", index: false },
            { arrow: "->>", key: "b", index: false },
          ],
        },
      },
      { kind: "field", field: { name: "arr", path: [{ arrow: "->", key: "0", index: true }] } },
      {
        kind: "embed",
        relation: "author",
        hint: "fk",
        inner: false,
        spread: false,
        items: [{ kind: "star" }],
      },
      {
        kind: "embed",
        alias: "x",
        relation: "posts",
        inner: true,
        spread: false,
        items: [
          { kind: "field", field: { name: "id", path: [] } },
          {
            kind: "embed",
            relation: "c",
            inner: false,
            spread: false,
            items: [{ kind: "field", field: { name: "t", path: [] } }],
          },
        ],
      },
    ]);
  });

  it("refuses malformed lists with PGRST100", () => {
    for (const bad of [
      "id,",
      ",id",
      "id,(",
      'a"b',
      "a::",
      "a::1x",
      "a:",
      "(",
      "a(b",
      "a->",
      '""',
      "\u0000y:x",
    ]) {
      expect(
        code(() => parseSelect(bad)),
        bad,
      ).toBe("400 PGRST100");
    }
    expect(code(() => parseSelect(`${"a(".repeat(20)}b${")".repeat(20)}`))).toBe("400 PGRST100");
  });
});

describe("filters", () => {
  it("parses operators, negation, modifiers and keeps the value literally", () => {
    expect(parseFilter("title", "not.like(any).{a*,b}")).toEqual({
      kind: "condition",
      field: { name: "title", path: [] },
      negate: true,
      op: "like",
      modifier: "any",
      value: "{a*,b}",
    });
    expect(parseFilter("data->>k", 'eq."quoted, (kept)"').value).toBe('"quoted, (kept)"');
    expect(parseFilter("t", "eq.").value).toBe("");
    for (const bad of ["eq", "nope.1", "not", "EQ.1", "eq(any"])
      expect(
        code(() => parseFilter("t", bad)),
        bad,
      ).toBe("400 PGRST100");
  });

  it("parses nested logic trees with quoted values and lists", () => {
    const tree = parseLogicParam("not.or", '(a.eq.1,and(b.in.(1,"2,3"),c.not.is.null),d.eq."x)y\\"z")');
    expect(tree).toMatchObject({
      op: "or",
      negate: true,
      items: [
        { field: { name: "a" }, op: "eq", value: "1" },
        {
          kind: "group",
          op: "and",
          items: [
            { field: { name: "b" }, op: "in", value: '(1,"2,3")' },
            { field: { name: "c" }, op: "is", negate: true, value: "null" },
          ],
        },
        { field: { name: "d" }, value: 'x)y"z' },
      ],
    });
    for (const bad of [
      "a.eq.1",
      "(a.eq.1",
      "(a.eq.1))",
      "()",
      "(a)",
      "(a.eq.1,)",
      `${"(and".repeat(40)}(a.eq.1)`,
    ]) {
      expect(
        code(() => parseLogicParam("or", bad)),
        bad,
      ).toBe("400 PGRST100");
    }
  });

  it("reads lists and writes array literals that survive any character", () => {
    expect(parseList('(a,"b,c",,"d\\"e")')).toEqual(["a", "b,c", "", 'd"e']);
    expect(parseList("()")).toEqual([]);
    expect(arrayLiteral(['a"b', "c\\d", "e,f", "{}"])).toBe('{"a\\"b","c\\\\d","e,f","{}"}');
  });

  it("splits embedded filters, orders and paging by path", () => {
    const query = parseQuery(
      new URLSearchParams(
        "select=*&id=eq.1&posts.title=eq.x&posts.order=id.desc&posts.comments.limit=2&not.or=(a.eq.1)",
      ),
    );
    expect(query.root.filters).toHaveLength(2);
    expect(query.embedded.get("posts")).toMatchObject({
      filters: [{ field: { name: "title" } }],
      order: [{ descending: true }],
    });
    expect(query.embedded.get("posts.comments")).toMatchObject({ limit: "2" });
  });
});

describe("order, paging and preferences", () => {
  it("parses order terms", () => {
    expect(parseOrder("a.desc.nullslast,data->>k,b.nullsfirst")).toEqual([
      { field: { name: "a", path: [] }, descending: true, nulls: "last" },
      { field: { name: "data", path: [{ arrow: "->>", key: "k", index: false }] }, descending: false },
      { field: { name: "b", path: [] }, descending: false, nulls: "first" },
    ]);
    for (const bad of ["a.up", "a,", "a.desc.x"])
      expect(
        code(() => parseOrder(bad)),
        bad,
      ).toBe("400 PGRST100");
  });

  it("pages from limit/offset or the Range header", () => {
    expect(parsePage("10", "5", undefined, undefined)).toEqual({ limit: 10, offset: 5 });
    expect(parsePage(undefined, undefined, "3-7", "items")).toEqual({ limit: 5, offset: 3 });
    expect(parsePage(undefined, undefined, "3-", undefined)).toEqual({ offset: 3 });
    expect(code(() => parsePage(undefined, undefined, "7-3", undefined))).toBe("416 PGRST103");
    for (const bad of ["-1", "1.5", "x", "99999999999999999"])
      expect(code(() => parsePage(bad, undefined, undefined, undefined))).toBe("400 PGRST100");
  });

  it("reads Prefer", () => {
    expect(
      parsePreferences(
        "return=representation, count=exact,resolution=merge-duplicates, missing=default, tx=rollback",
      ),
    ).toMatchObject({
      return: "representation",
      count: "exact",
      resolution: "merge-duplicates",
      missingDefault: true,
      rollback: true,
    });
    expect(parsePreferences("handling=strict, max-affected=3").maxAffected).toBe(3);
    expect(parsePreferences("max-affected=3").maxAffected).toBeUndefined();
    expect(parsePreferences("allow-unfiltered").allowUnfiltered).toBe(true);
    expect(parsePreferences("nonsense, return=weird").return).toBe("minimal");
  });
});

describe("SQL text", () => {
  it("quotes identifiers and checks aliases", () => {
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
    expect(code(() => quoteIdent("a\u0000b"))).toBe("400 PGRST100");
    expect(code(() => checkAlias("x".repeat(64)))).toBe("400 PGRST100");
    expect(checkAlias("é".repeat(31))).toBe("é".repeat(31));
  });

  it("maps SQLSTATEs to PostgREST's statuses", () => {
    expect(pgStatus("23505", false)).toBe(409);
    expect(pgStatus("23503", false)).toBe(409);
    expect(pgStatus("23502", false)).toBe(400);
    expect(pgStatus("42501", true)).toBe(401);
    expect(pgStatus("42501", false)).toBe(403);
    expect(pgStatus("42883", false)).toBe(404);
    expect(pgStatus("54000", false)).toBe(400);
    expect(pgStatus("22001", false)).toBe(400);
    expect(pgStatus("P0001", false)).toBe(400);
    expect(pgStatus("PT418", false)).toBe(418);
    expect(pgStatus("57014", false)).toBe(500);
  });
});

describe("exposed schemas", () => {
  it("never exposes the server's own schemas or the system catalogs, whatever the configuration", () => {
    const { schemas, refused } = resolveExposedSchemas([
      "app",
      "jobs",
      "auth",
      "fluxbase",
      "pg_catalog",
      "information_schema",
      "pg_temp_1",
      "public",
      "app",
    ]);
    expect(schemas).toEqual(["app", "public"]);
    expect(refused.map((r) => r.schema)).toEqual([
      "jobs",
      "auth",
      "fluxbase",
      "pg_catalog",
      "information_schema",
      "pg_temp_1",
    ]);
  });
});
