/** How the SDK builds requests and maps answers, against a real HTTP server that records requests. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, FluxbaseError } from "../../sdk/src/index.ts";
import { closedPort, type FakeServer, type Reply, startFakeServer } from "./helpers/fakeServer.ts";

let server: FakeServer;
let next: Reply | undefined;

beforeAll(async () => {
  server = await startFakeServer(() => next ?? { json: {} });
});
afterAll(() => server.close());

/** Answers the next request with `reply` and returns the request the SDK made. */
async function exchange<T>(reply: Reply, call: () => Promise<T>) {
  next = reply;
  const before = server.requests.length;
  const result = await call();
  next = undefined;
  expect(server.requests.length).toBe(before + 1);
  return { result, request: server.requests[before]! };
}

describe("headers", () => {
  it("sends the key as apikey and as the bearer token until a session is set", async () => {
    const client = createClient(`${server.url}/`, "anon-key");
    const first = await exchange({ json: { id: "j1" } }, () => client.jobs.get("j1"));
    expect(first.request.headers.apikey).toBe("anon-key");
    expect(first.request.headers.authorization).toBe("Bearer anon-key");
    expect(first.request.path).toBe("/api/v1/jobs/j1");

    const { error } = await client.auth.setSession({ access_token: "user-jwt" });
    expect(error).toBeNull();
    const second = await exchange({ json: { id: "j1" } }, () => client.jobs.get("j1"));
    expect(second.request.headers.apikey).toBe("anon-key");
    expect(second.request.headers.authorization).toBe("Bearer user-jwt");

    await client.auth.setAccessToken(null);
    expect(client.auth.getAccessToken()).toBe("anon-key");
  });

  it("accepts the object form with apiKey or serviceKey, and global headers", async () => {
    const client = createClient(server.url, {
      serviceKey: "service-key",
      global: { headers: { "x-trace": "t1" } },
    });
    const { request } = await exchange({ json: { namespaces: [] } }, () =>
      client.admin.jobs.listNamespaces(),
    );
    expect(request.headers.apikey).toBe("service-key");
    expect(request.headers["x-trace"]).toBe("t1");
    expect(createClient(server.url, { apiKey: "a" }).auth.getApiKey()).toBe("a");
  });

  it("rejects a missing key or a URL that is not http(s) with a TypeError", () => {
    expect(() => createClient(server.url, "")).toThrow(TypeError);
    expect(() => createClient(server.url, {} as never)).toThrow(/expects a key/);
    expect(() => createClient("localhost:8080", "k")).toThrow(/http\(s\) URL/);
  });

  it("refuses a malformed session without changing the token", async () => {
    const client = createClient(server.url, "k");
    const { data, error } = await client.auth.setSession({ access_token: "" });
    expect(data).toBeNull();
    expect(error).toMatchObject({ code: "VALIDATION_ERROR", status: 0 });
    expect(client.auth.getAccessToken()).toBe("k");
  });
});

describe("client.jobs request shapes", () => {
  const client = () => createClient(server.url, "k");

  it("submit maps options to the body and the Idempotency-Key header", async () => {
    const at = new Date("2030-01-02T03:04:05.000Z");
    const { request, result } = await exchange({ status: 201, json: { id: "j", status: "pending" } }, () =>
      client().jobs.submit(
        "process-data",
        { items: [1] },
        {
          namespace: "reports",
          priority: 5,
          scheduledAt: at,
          idempotencyKey: "once",
          onBehalfOf: { user_id: "u1", user_email: "u@x" },
        },
      ),
    );
    expect(result).toEqual({ data: { id: "j", status: "pending" }, error: null });
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/api/v1/jobs/submit");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["idempotency-key"]).toBe("once");
    expect(request.json).toEqual({
      job_name: "process-data",
      namespace: "reports",
      payload: { items: [1] },
      priority: 5,
      scheduled_at: "2030-01-02T03:04:05.000Z",
      on_behalf_of: { user_id: "u1", user_email: "u@x" },
    });
  });

  it("submit leaves unset options out (delaySeconds instead of scheduledAt)", async () => {
    const { request } = await exchange({ status: 201, json: {} }, () =>
      client().jobs.submit("x", undefined, { delaySeconds: 30 }),
    );
    expect(request.json).toEqual({ job_name: "x", delay_seconds: 30 });
    expect(request.headers["idempotency-key"]).toBeUndefined();
  });

  it("list maps filters to the query and returns the array with the total as count", async () => {
    const page = { jobs: [{ id: "a" }, { id: "b" }], limit: 2, offset: 4, total: 9 };
    const { request, result } = await exchange({ json: page }, () =>
      client().jobs.list({
        status: "running",
        jobName: "p",
        namespace: "n",
        limit: 2,
        offset: 4,
        includeResult: true,
      }),
    );
    expect(request.path).toBe("/api/v1/jobs");
    expect(Object.fromEntries(request.query)).toEqual({
      status: "running",
      job_name: "p",
      namespace: "n",
      limit: "2",
      offset: "4",
      include_result: "true",
    });
    expect(result).toEqual({ data: page.jobs, count: 9, error: null });
  });

  it("escapes ids in paths and maps cancel, retry and logs", async () => {
    const c = client();
    expect((await exchange({ json: {} }, () => c.jobs.cancel("a/b"))).request.path).toBe(
      "/api/v1/jobs/a%2Fb/cancel",
    );
    expect((await exchange({ json: {} }, () => c.jobs.retry("j"))).request.path).toBe("/api/v1/jobs/j/retry");
    const logs = [{ line_number: 4, level: "info", message: "hi", timestamp: "t" }];
    const { request, result } = await exchange({ json: { logs, count: 1 } }, () => c.jobs.getLogs("j", 3));
    expect(request.path).toBe("/api/v1/jobs/j/logs");
    expect(request.query.get("after_line")).toBe("3");
    expect(result).toEqual({ data: logs, error: null });
  });
});

describe("client.admin.jobs request shapes", () => {
  const admin = () => createClient(server.url, "service").admin.jobs;

  it("addresses functions as (name, namespace = default)", async () => {
    const fn = { name: "f" };
    expect((await exchange({ json: fn }, () => admin().get("f"))).request.path).toBe(
      "/api/v1/admin/jobs/functions/default/f",
    );
    const update = await exchange({ json: fn }, () => admin().update("f", { enabled: false }, "my ns"));
    expect(update.request.method).toBe("PUT");
    expect(update.request.path).toBe("/api/v1/admin/jobs/functions/my%20ns/f");
    expect(update.request.json).toEqual({ enabled: false });
    const removed = await exchange({ status: 204 }, () => admin().delete("f", "n"));
    expect(removed.request.method).toBe("DELETE");
    expect(removed.result).toEqual({ data: null, error: null });
    const created = await exchange({ status: 201, json: fn }, () => admin().create({ name: "f", code: "x" }));
    expect(created.request.path).toBe("/api/v1/admin/jobs/functions");
    expect(created.request.json).toEqual({ name: "f", code: "x" });
    const list = await exchange({ json: { functions: [fn] } }, () => admin().list("n"));
    expect(list.request.query.get("namespace")).toBe("n");
    expect(list.result.data).toEqual([fn]);
  });

  it("maps the queue, stats, workers and sync", async () => {
    const a = admin();
    const page = { jobs: [], limit: 50, offset: 0, total: 0 };
    const listed = await exchange({ json: page }, () =>
      a.listJobs({ workerId: "w", createdBy: "u", status: "failed" }),
    );
    expect(listed.request.path).toBe("/api/v1/admin/jobs/queue");
    expect(Object.fromEntries(listed.request.query)).toEqual({
      worker_id: "w",
      created_by: "u",
      status: "failed",
    });
    expect(listed.result).toEqual({ data: [], count: 0, error: null });
    for (const action of ["cancel", "terminate", "retry", "resubmit"] as const) {
      const { request } = await exchange({ json: {} }, () => a[action]("j"));
      expect([request.method, request.path]).toEqual(["POST", `/api/v1/admin/jobs/queue/j/${action}`]);
    }
    expect((await exchange({ json: {} }, () => a.getJob("j"))).request.path).toBe(
      "/api/v1/admin/jobs/queue/j",
    );
    const stats = await exchange({ json: { pending: 1 } }, () => a.getStats("default"));
    expect(stats.request.query.get("namespace")).toBe("default");
    const workers = await exchange({ json: { workers: [{ id: "w" }] } }, () => a.listWorkers());
    expect(workers.result.data).toEqual([{ id: "w" }]);
    const sync = await exchange({ json: { summary: {} } }, () =>
      a.sync({ namespace: "default", jobs: [{ name: "f", code: "c" }], options: { dry_run: true } }),
    );
    expect(sync.request.json).toEqual({
      namespace: "default",
      jobs: [{ name: "f", code: "c" }],
      options: { delete_missing: false, dry_run: true },
    });
  });
});

describe("errors", () => {
  const client = () => createClient(server.url, "k");

  it("keeps the server's message, code, status and extra fields", async () => {
    const body = { error: "Needs admin", code: "ROLE_REQUIRED", required_roles: ["admin"] };
    const { result } = await exchange({ status: 403, json: body }, () => client().jobs.submit("x"));
    expect(result.data).toBeNull();
    expect(result.error).toBeInstanceOf(FluxbaseError);
    expect(result.error).toMatchObject({
      message: "Needs admin",
      code: "ROLE_REQUIRED",
      status: 403,
      context: { required_roles: ["admin"] },
    });
    expect(JSON.parse(JSON.stringify(result.error))).toEqual({
      message: "Needs admin",
      code: "ROLE_REQUIRED",
      status: 403,
      context: { required_roles: ["admin"] },
    });
  });

  it("turns a non-JSON error body (a proxy's HTML page) into HTTP_ERROR with the status", async () => {
    const html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    const { result } = await exchange({ status: 502, text: html }, () => client().jobs.get("j"));
    expect(result.error).toMatchObject({ code: "HTTP_ERROR", status: 502 });
    expect(result.error?.message).toContain("502 Bad Gateway");
  });

  it("turns an empty error body into HTTP_ERROR with the status text", async () => {
    const { result } = await exchange({ status: 500, text: "" }, () => client().jobs.get("j"));
    expect(result.error).toMatchObject({
      code: "HTTP_ERROR",
      status: 500,
      message: "HTTP 500 Internal Server Error",
    });
  });

  it("turns a 2xx body that is not JSON into INVALID_RESPONSE", async () => {
    const { result } = await exchange({ status: 200, text: "<html>login</html>" }, () =>
      client().jobs.get("j"),
    );
    expect(result.error).toMatchObject({ code: "INVALID_RESPONSE", status: 200 });
  });

  it("resolves a refused connection to NETWORK_ERROR with status 0 instead of throwing", async () => {
    const port = await closedPort();
    const offline = createClient(`http://127.0.0.1:${port}`, "k");
    const { data, error } = await offline.jobs.get("j");
    expect(data).toBeNull();
    expect(error).toMatchObject({ code: "NETWORK_ERROR", status: 0 });
    expect(error?.message).toMatch(/ECONNREFUSED/);
    const listed = await offline.jobs.list();
    expect(listed).toMatchObject({ data: null, count: null, error: { code: "NETWORK_ERROR" } });
  });

  it("resolves a throwing custom fetch to NETWORK_ERROR too", async () => {
    const broken = createClient(server.url, "k", {
      global: {
        fetch: () => {
          throw new Error("boom");
        },
      },
    });
    const { error } = await broken.admin.jobs.listWorkers();
    expect(error).toMatchObject({ code: "NETWORK_ERROR", status: 0 });
    expect(error?.message).toContain("boom");
  });
});
