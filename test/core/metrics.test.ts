/** GET /metrics (Prometheus text via prom-client) and GET /ready against a real server and Postgres. */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { createSql } from "../../server/db/createSql.ts";
import { insertFunction, startTestServer, type TestServer, waitForJob } from "../support/server.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    workers: true,
    metricsToken: "scrape-token-0123",
    jobs: { retryBackoffBase: 100, retryBackoffMax: 200 },
  });
  await insertFunction(server, { name: "metered", code: "export function handler() { return 1 }" });
  await insertFunction(server, {
    name: "flaky",
    max_retries: 1,
    code: "export function handler() { throw new Error('no luck') }",
  });
});

afterAll(async () => {
  await server?.stop();
});

const scrape = async (token = "scrape-token-0123") => {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  return { res, text: await res.text() };
};

/** The value of one series, by its exact label set as printed. */
function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("GET /metrics", () => {
  it("counts jobs, runs, retries, pickups, slots and requests", { timeout: 60_000 }, async () => {
    const user = await server.user();
    const ids: string[] = [];
    for (const name of ["metered", "metered", "flaky"]) {
      const res = await server.request("POST", "/api/v1/jobs/submit", {
        token: user.token,
        body: { job_name: name },
      });
      expect(res.status).toBe(201);
      ids.push((await res.json()).id);
    }
    await waitForJob(server, ids[0]!);
    await waitForJob(server, ids[1]!);
    await waitForJob(server, ids[2]!, (job) => job.status === "failed", 20_000);

    // A run is counted just after its outcome is written, so the rows can be seen a moment earlier.
    let { res, text } = await scrape();
    const settled = (t: string) =>
      value(
        t,
        'fluxbase_job_run_duration_seconds_count{job_name="metered",kind="sandboxed",outcome="completed"}',
      ) === 2 &&
      value(
        t,
        'fluxbase_job_run_duration_seconds_count{job_name="flaky",kind="sandboxed",outcome="failed"}',
      ) === 2 &&
      value(t, 'fluxbase_worker_slots{state="busy"}') === 0;
    for (let i = 0; i < 200 && !settled(text); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ({ res, text } = await scrape());
    }
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(value(text, 'fluxbase_jobs{namespace="default",job_name="metered",status="completed"}')).toBe(2);
    expect(value(text, 'fluxbase_jobs{namespace="default",job_name="flaky",status="failed"}')).toBe(1);
    expect(
      value(
        text,
        'fluxbase_job_run_duration_seconds_count{job_name="metered",kind="sandboxed",outcome="completed"}',
      ),
    ).toBe(2);
    expect(
      value(
        text,
        'fluxbase_job_run_duration_seconds_count{job_name="flaky",kind="sandboxed",outcome="failed"}',
      ),
    ).toBe(2);
    expect(value(text, 'fluxbase_job_retries_total{job_name="flaky"}')).toBe(1);
    expect(value(text, 'fluxbase_job_pickup_latency_seconds_count{lane="worker"}')).toBe(4);
    expect(value(text, 'fluxbase_worker_slots{state="total"}')).toBeGreaterThan(0);
    expect(value(text, 'fluxbase_worker_slots{state="busy"}')).toBe(0);
    // Both functions ran warm: each keeps its process (and a spare) after the runs.
    expect(value(text, "fluxbase_sandbox_warm_processes")).toBeGreaterThanOrEqual(2);
    expect(
      value(text, 'fluxbase_http_requests_total{method="POST",route="/api/v1/jobs/submit",status="201"}'),
    ).toBe(3);
    // Route patterns, never raw paths: a job id must not become a label value.
    for (const id of ids) expect(text).not.toContain(id);
    expect(text).toContain("fluxbase_process_resident_memory_bytes");
  });

  it("labels requests by their route pattern and unknown paths as unmatched", async () => {
    const user = await server.user();
    const id = "00000000-0000-4000-8000-000000000000";
    expect((await server.request("GET", `/api/v1/jobs/${id}`, { token: user.token })).status).toBe(404);
    expect((await server.request("GET", "/no/such/path")).status).toBe(404);
    const { text } = await scrape();
    expect(
      value(text, 'fluxbase_http_requests_total{method="GET",route="/api/v1/jobs/:id",status="404"}'),
    ).toBe(1);
    expect(value(text, 'fluxbase_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
  });

  it("counts realtime connections", async () => {
    const socket = new WebSocket(
      `${server.url.replace("http", "ws")}/realtime/v1/websocket?apikey=${server.anonKey}&vsn=1.0.0`,
    );
    await new Promise((resolve, reject) => {
      socket.once("open", resolve);
      socket.once("error", reject);
    });
    try {
      expect(value((await scrape()).text, "fluxbase_realtime_connections")).toBe(1);
    } finally {
      socket.close();
    }
  });

  it("asks for the metrics token when one is set", async () => {
    const missing = await fetch(`${server.url}/metrics`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await missing.json()).toMatchObject({ code: "METRICS_TOKEN_MISSING" });
    const wrong = await scrape("not-the-token");
    expect(wrong.res.status).toBe(403);
    expect(JSON.parse(wrong.text)).toMatchObject({ code: "METRICS_TOKEN_INVALID" });
    // Neither the service key nor an admin token stands in for it.
    expect((await scrape(server.serviceKey)).res.status).toBe(403);
  });
});

describe("GET /ready", () => {
  it("is ready when started and the database answers", async () => {
    const res = await fetch(`${server.url}/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready", checks: { started: "ok", database: "ok" } });
  });

  it("answers 503 with the reason while the database refuses connections", async () => {
    const name = new URL(server.db.url).pathname.slice(1);
    // From the cluster's admin database: every connection to the server's database is cut.
    const admin = createSql(inject("pgAdminUrl"), { max: 1 });
    await admin.unsafe(`alter database ${name} with allow_connections false`);
    try {
      await admin`select pg_terminate_backend(pid) from pg_stat_activity
        where datname = ${name} and pid <> pg_backend_pid()`;
      const res = await fetch(`${server.url}/ready`);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("1");
      const body = await res.json();
      expect(body).toMatchObject({ status: "not_ready", code: "NOT_READY", checks: { started: "ok" } });
      expect(body.checks.database).toMatch(/^unreachable: /);
      // Liveness is not readiness: the process itself is fine.
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      await admin.unsafe(`alter database ${name} with allow_connections true`);
      await admin.end();
    }
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await fetch(`${server.url}/ready`)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe(200);
  });
});
