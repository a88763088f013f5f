/** `client.jobs.waitFor`: polling, realtime acceleration, timeouts, aborts and which errors end the wait. */
import { afterEach, describe, expect, it } from "vitest";
import { createClient, type Job, type JobProgress } from "../../sdk/src/index.ts";
import { eventually, type FakeServer, type Reply, startFakeServer } from "./helpers/fakeServer.ts";

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const job = (status: Job["status"], progress: JobProgress | null = null): Partial<Job> => ({
  id: "j1",
  status,
  progress,
  result: status === "completed" ? { ok: true } : null,
});

/** A server that answers GET /api/v1/jobs/j1 with the replies in turn (the last one repeats). */
async function serve(replies: Reply[], options?: { realtime?: boolean }) {
  let i = 0;
  server = await startFakeServer(() => replies[Math.min(i++, replies.length - 1)]!, options);
  return server;
}

/** Waits for waitFor's channel to join; `change` pushes an update of the job to it. */
async function joined(s: FakeServer) {
  const join = await s.waitForMessage(
    (m) => m.event === "phx_join" && m.topic.startsWith("realtime:jobs:wait:j1"),
  );
  const change = (record: Partial<Job>) =>
    s.pushChange(join.topic, {
      schema: "jobs",
      table: "queue",
      commit_timestamp: "t",
      type: "UPDATE",
      record,
    });
  return { join, change };
}

describe("client.jobs.waitFor", () => {
  it("polls until the job finishes and reports each new progress once", async () => {
    const s = await serve([
      { json: job("pending") },
      { json: job("running", { percent: 10, message: "a" }) },
      { json: job("running", { percent: 10, message: "a" }) },
      { json: job("running", { percent: 60, message: "b" }) },
      { json: job("completed", { percent: 100 }) },
    ]);
    const client = createClient(s.url, "k");
    const progress: number[] = [];
    const { data, error } = await client.jobs.waitFor("j1", {
      realtime: false,
      pollIntervalMs: 50,
      onProgress: (p) => progress.push(p.percent),
    });
    expect(error).toBeNull();
    expect(data).toMatchObject({ status: "completed", result: { ok: true } });
    expect(progress).toEqual([10, 60, 100]);
  });

  it("resolves failed and cancelled jobs as data, not as errors", async () => {
    const s = await serve([{ json: { ...job("failed"), error_message: "boom" } }]);
    const { data, error } = await createClient(s.url, "k").jobs.waitFor("j1", { realtime: false });
    expect(error).toBeNull();
    expect(data).toMatchObject({ status: "failed", error_message: "boom" });
  });

  it("gives up with TIMEOUT (status 0) and says what it saw last", async () => {
    const s = await serve([{ json: job("running") }]);
    const { data, error } = await createClient(s.url, "k").jobs.waitFor("j1", {
      realtime: false,
      pollIntervalMs: 50,
      timeoutMs: 200,
    });
    expect(data).toBeNull();
    expect(error).toMatchObject({
      code: "TIMEOUT",
      status: 0,
      context: { job_id: "j1", last_status: "running" },
    });
  });

  it("ends at once on a 4xx such as JOB_NOT_FOUND", async () => {
    const s = await serve([{ status: 404, json: { error: "No job", code: "JOB_NOT_FOUND", job_id: "j1" } }]);
    const { error } = await createClient(s.url, "k").jobs.waitFor("j1", { realtime: false, timeoutMs: 5000 });
    expect(error).toMatchObject({ code: "JOB_NOT_FOUND", status: 404 });
    expect(s.requests).toHaveLength(1);
  });

  it("keeps polling through 5xx answers", async () => {
    const s = await serve([
      { status: 503, text: "busy" },
      { status: 502, text: "" },
      { json: job("completed") },
    ]);
    const { data } = await createClient(s.url, "k").jobs.waitFor("j1", {
      realtime: false,
      pollIntervalMs: 50,
    });
    expect(data?.status).toBe("completed");
  });

  it("stops with ABORTED when the signal aborts", async () => {
    const s = await serve([{ json: job("running") }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const { error } = await createClient(s.url, "k").jobs.waitFor("j1", {
      realtime: false,
      pollIntervalMs: 50,
      signal: controller.signal,
    });
    expect(error).toMatchObject({ code: "ABORTED", status: 0 });
  });

  it("finishes from a realtime update without waiting for the next poll, then leaves the channel", async () => {
    let finished = false;
    server = await startFakeServer(() => ({ json: finished ? job("completed") : job("running") }));
    const s = server;
    const client = createClient(s.url, "k", { realtime: { reconnectAfterMs: () => 50 } });
    const progress: string[] = [];
    const waiting = client.jobs.waitFor("j1", {
      pollIntervalMs: 60_000,
      onProgress: (p) => progress.push(p.message ?? ""),
    });
    const { join, change } = await joined(s);
    expect(join.payload.config.postgres_changes).toEqual([
      { event: "UPDATE", schema: "jobs", table: "queue", filter: "id=eq.j1" },
    ]);
    await eventually(() => s.requests.length >= 2); // the first read, and the one after SUBSCRIBED
    change(job("running", { percent: 50, message: "halfway" }));
    await eventually(() => progress.length === 1);
    finished = true;
    change(job("completed", { percent: 100, message: "done" }));
    const started = Date.now();
    const { data } = await waiting;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(data).toMatchObject({ status: "completed", result: { ok: true } });
    expect(progress).toEqual(["halfway", "done"]);
    await eventually(() => !client.realtime.isConnected());
    expect(client.realtime.getChannels()).toEqual([]);
  });

  it("ignores a read that answers after a newer realtime update, so progress is reported once", async () => {
    // The first read is held until realtime has shown newer progress; its (older) answer must not
    // count as "no progress", or the next read would report 50 a second time.
    let releaseFirst: () => void = () => {};
    const firstHeld = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    const at = (ms: number) => `2026-12-05T12:00:00.${String(ms).padStart(3, "0")}412+00:00`;
    let state: Partial<Job> = { ...job("running"), updated_at: at(100) };
    let reads = 0;
    server = await startFakeServer(async () => {
      const seen = state;
      if (++reads === 1) await firstHeld;
      return { json: seen };
    });
    const s = server;
    const client = createClient(s.url, "k", { realtime: { reconnectAfterMs: () => 50 } });
    const progress: number[] = [];
    const updates: (string | undefined)[] = [];
    const waiting = client.jobs.waitFor("j1", {
      pollIntervalMs: 60_000,
      onProgress: (p) => progress.push(p.percent),
      onUpdate: (j) => updates.push(j.updated_at),
    });
    const { change } = await joined(s);
    await eventually(() => s.requests.length >= 1);
    state = {
      ...job("running", { percent: 50, message: "half" }),
      updated_at: at(100).replace("412+", "907+"),
    };
    change(state);
    await eventually(() => progress.length === 1);
    releaseFirst();
    await eventually(() => reads >= 2); // the read asked for while the first was out
    state = { ...job("completed", { percent: 100 }), updated_at: at(300) };
    change(state);
    const { data } = await waiting;
    expect(data).toMatchObject({ status: "completed" });
    expect(progress).toEqual([50, 100]);
    expect(updates).not.toContain(at(100));
  });

  it("falls back to polling when the realtime endpoint refuses WebSockets, and cleans up", async () => {
    const s = await serve([{ json: job("running") }, { json: job("completed") }], { realtime: false });
    const client = createClient(s.url, "k", { realtime: { reconnectAfterMs: () => 20 } });
    const { data } = await client.jobs.waitFor("j1", { pollIntervalMs: 100 });
    expect(data?.status).toBe("completed");
    expect(client.realtime.getChannels()).toEqual([]);
    expect(client.realtime.isConnected()).toBe(false);
  });
});
