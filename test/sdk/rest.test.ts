/** `client.from(name)`: the table name picks the schema; auth headers follow the session. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../sdk/src/index.ts";
import { type FakeServer, startFakeServer } from "./helpers/fakeServer.ts";

let server: FakeServer;

beforeAll(async () => {
  server = await startFakeServer((request) =>
    request.method === "GET" ? { json: [{ id: 1 }] } : { status: 201, json: [{ id: 2 }] },
  );
});
afterAll(() => server.close());

const last = () => server.requests.at(-1)!;

describe("client.from", () => {
  it("queries a dotted name in its schema through /rest/v1", async () => {
    const client = createClient(server.url, "anon");
    const { data, error } = await client.from("app.my_table").select("*").eq("user_id", "u1");
    expect(error).toBeNull();
    expect(data).toEqual([{ id: 1 }]);
    expect(last().path).toBe("/rest/v1/my_table");
    expect(Object.fromEntries(last().query)).toEqual({ select: "*", user_id: "eq.u1" });
    expect(last().headers["accept-profile"]).toBe("app");
    expect(last().headers.apikey).toBe("anon");
    expect(last().headers.authorization).toBe("Bearer anon");
  });

  it("writes with Content-Profile and the current session's token", async () => {
    const client = createClient(server.url, "anon");
    await client.auth.setAccessToken("user-jwt");
    const { error } = await client.from("app.imports").insert({ a: 1 }).select();
    expect(error).toBeNull();
    expect(last().method).toBe("POST");
    expect(last().path).toBe("/rest/v1/imports");
    expect(last().headers["content-profile"]).toBe("app");
    expect(last().headers.authorization).toBe("Bearer user-jwt");
    expect(last().json).toEqual({ a: 1 });
  });

  it("uses public, or options.db.schema, for an undotted name", async () => {
    await createClient(server.url, "k").from("todos").select("id");
    expect(last().path).toBe("/rest/v1/todos");
    expect(last().headers["accept-profile"]).toBe("public");
    await createClient(server.url, "k", { db: { schema: "app" } })
      .from("todos")
      .select("id");
    expect(last().headers["accept-profile"]).toBe("app");
  });

  it("calls functions with rpc and reaches other schemas with schema()", async () => {
    const client = createClient(server.url, "k");
    await client.rpc("add", { a: 1 });
    expect([last().method, last().path, last().headers["content-profile"]]).toEqual([
      "POST",
      "/rest/v1/rpc/add",
      "public",
    ]);
    await client.schema("jobs").from("queue").select("id");
    expect([last().path, last().headers["accept-profile"]]).toEqual(["/rest/v1/queue", "jobs"]);
  });
});
