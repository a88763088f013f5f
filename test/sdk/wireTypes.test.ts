/**
 * The SDK's row types and what the server sends are written twice (the SDK imports nothing of the
 * server), so this file ties them together. At the type level (checked by `npm run check`): the same
 * keys, the same optional keys and the same nullable keys as the server's row types, with Dates as
 * ISO strings on the wire. At run time: a real server's responses carry exactly the SDK's keys.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  Job,
  JobFunction,
  JobLogLine,
  JobPage,
  JobStats,
  JobWorker,
  Schedule,
} from "../../sdk/src/index.ts";
import type { functionColumns } from "../../server/functions/functionColumns.ts";
import type { LogLine } from "../../server/queue/jobLogs.ts";
import type { JobRow } from "../../server/queue/jobRow.ts";
import type { JobStats as ServerJobStats } from "../../server/queue/jobStats.ts";
import type { JobPage as ServerJobPage } from "../../server/queue/listJobs.ts";
import type { WorkerRow } from "../../server/queue/listWorkers.ts";
import type { ScheduleRow } from "../../server/schedules/scheduleRow.ts";
import { insertFunction, startTestServer, type TestServer, type TestUser } from "../support/server.ts";

/** What JSON makes of a server value: Dates become ISO strings. */
type Wire<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;
type OptionalKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? K : never }[keyof T];
type NullableKeys<T> = { [K in keyof T]-?: null extends T[K] ? K : never }[keyof T];
type Drift<A, B> = Exclude<A, B> | Exclude<B, A>;
/** The keys on which SDK type `S` and server row `R` disagree, by kind. */
type Drift3<S, R> = {
  keys: Drift<keyof S, keyof R>;
  optional: Drift<OptionalKeys<S>, OptionalKeys<R>>;
  nullable: Drift<NullableKeys<S>, NullableKeys<Wire<R>>>;
};
/** Compiles only when there is no drift; the error names the keys that differ. */
type NoDrift<D extends { keys: never; optional: never; nullable: never }> = D;

// Lists and single reads add `paused` (functionFields) to the stored columns.
type FunctionListRow = { [K in (typeof functionColumns)[number] | "paused"]: unknown };

type WireContract = [
  NoDrift<Drift3<Job, JobRow>>,
  NoDrift<Drift3<JobLogLine, LogLine>>,
  NoDrift<Drift3<JobWorker, WorkerRow>>,
  NoDrift<Drift3<JobStats, ServerJobStats>>,
  NoDrift<Drift3<JobStats["by_function"][number], ServerJobStats["by_function"][number]>>,
  NoDrift<Drift3<JobPage, ServerJobPage>>,
  NoDrift<Drift3<Schedule, ScheduleRow>>,
  // The server's function rows are untyped column lists: the keys must match, and only `source`
  // (left out of lists) may be optional.
  NoDrift<{
    keys: Drift<Exclude<keyof JobFunction, "source">, keyof FunctionListRow>;
    optional: Exclude<OptionalKeys<JobFunction>, "source">;
    nullable: never;
  }>,
];

// Key lists the compiler holds to the SDK types: a missing or extra key does not compile.
const jobKeys = {
  id: 1,
  namespace: 1,
  job_name: 1,
  function_id: 1,
  status: 1,
  payload: 1,
  result: 1,
  progress: 1,
  priority: 1,
  max_retries: 1,
  retry_count: 1,
  attempt: 1,
  timeout_seconds: 1,
  progress_timeout_seconds: 1,
  error_message: 1,
  worker_id: 1,
  cancel_mode: 1,
  created_by: 1,
  user_role: 1,
  user_email: 1,
  created_at: 1,
  updated_at: 1,
  scheduled_at: 1,
  started_at: 1,
  last_progress_at: 1,
  completed_at: 1,
  notify: 1,
  trigger: 1,
  schedule_id: 1,
  superseded_by: 1,
  event_id: 1,
  next_attempt_at: 1,
  ai_usage: 1,
} satisfies Record<keyof Job, 1>;
const workerKeys = {
  id: 1,
  name: 1,
  hostname: 1,
  pid: 1,
  status: 1,
  max_concurrent_jobs: 1,
  current_job_count: 1,
  last_heartbeat_at: 1,
  started_at: 1,
} satisfies Record<keyof JobWorker, 1>;
const logKeys = { line_number: 1, level: 1, message: 1, timestamp: 1, attempt: 1 } satisfies Record<
  keyof JobLogLine,
  1
>;
const functionKeys = {
  id: 1,
  name: 1,
  namespace: 1,
  description: 1,
  source: 1,
  code_hash: 1,
  bundle_error: 1,
  setup_error: 1,
  enabled: 1,
  schedule: 1,
  timeout_seconds: 1,
  memory_mb: 1,
  max_retries: 1,
  progress_timeout_seconds: 1,
  permissions: 1,
  require_roles: 1,
  origin: 1,
  kind: 1,
  run_in: 1,
  isolation: 1,
  overlap: 1,
  concurrency: 1,
  on_events: 1,
  on_roles: 1,
  on_tables: 1,
  events_error: 1,
  paused: 1,
  source_path: 1,
  version: 1,
  created_at: 1,
  updated_at: 1,
} satisfies Record<keyof JobFunction, 1>;

const scheduleKeys = {
  id: 1,
  name: 1,
  namespace: 1,
  job_name: 1,
  cron: 1,
  timezone: 1,
  payload: 1,
  enabled: 1,
  max_retries: 1,
  backoff: 1,
  overlap: 1,
  misfire: 1,
  source: 1,
  next_run_at: 1,
  last_run_at: 1,
  last_job_id: 1,
  created_at: 1,
  updated_at: 1,
} satisfies Record<keyof Schedule, 1>;

const keysOf = (value: object) => Object.keys(value).sort();
/** Mentions the contract so the compiler checks it; its length is the number of pairs compared. */
const contractPairs: WireContract["length"] = 8;

let server: TestServer;
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  user = await server.user();
  await insertFunction(server, { name: "wire", code: "export default () => 1" });
});
afterAll(() => server.stop());

describe("SDK row types and server responses", () => {
  it("a job, a job page and log lines carry exactly the SDK's keys", async () => {
    expect(contractPairs).toBe(8);
    const submitted = await server.request("POST", "/api/v1/jobs/submit", {
      token: user.token,
      body: { job_name: "wire" },
    });
    expect(submitted.status).toBe(201);
    const { id } = await submitted.json();
    await server.db
      .sql`insert into jobs.logs (job_id, line_number, level, message, attempt) values (${id}, 1, 'info', 'hi', 1)`;
    const job = await (await server.request("GET", `/api/v1/jobs/${id}`, { token: user.token })).json();
    expect(keysOf(job)).toEqual(keysOf(jobKeys));
    const page = await (await server.request("GET", "/api/v1/jobs", { token: user.token })).json();
    expect(keysOf(page)).toEqual(["jobs", "limit", "next_cursor", "offset", "total"]);
    // Lists leave the result out unless asked for it (the one optional key).
    expect(keysOf(page.jobs[0])).toEqual(keysOf(jobKeys).filter((key) => key !== "result"));
    const logs = await (await server.request("GET", `/api/v1/jobs/${id}/logs`, { token: user.token })).json();
    expect(logs.logs.length).toBe(1);
    expect(keysOf(logs.logs[0])).toEqual(keysOf(logKeys));
  });

  it("a worker and a job function carry exactly the SDK's keys", async () => {
    await server.db.sql`
      insert into jobs.workers (id, name, hostname, pid, status, max_concurrent_jobs)
      values (gen_random_uuid(), 'wire-worker', 'host', 1, 'active', 1)`;
    const admin = { token: server.serviceKey };
    const { workers } = await (await server.request("GET", "/api/v1/admin/jobs/workers", admin)).json();
    expect(keysOf(workers[0])).toEqual(keysOf(workerKeys));
    const fn = await (await server.request("GET", "/api/v1/admin/jobs/functions/default/wire", admin)).json();
    expect(keysOf(fn)).toEqual(keysOf(functionKeys));
    const { functions } = await (await server.request("GET", "/api/v1/admin/jobs/functions", admin)).json();
    expect(keysOf(functions[0])).toEqual(keysOf(functionKeys).filter((key) => key !== "source"));
  });

  it("a schedule carries exactly the SDK's keys", async () => {
    const admin = { token: server.serviceKey };
    const created = await server.request("POST", "/api/v1/admin/jobs/schedules", {
      ...admin,
      body: { name: "wire-schedule", job_name: "wire", cron: "@daily" },
    });
    expect(created.status).toBe(201);
    expect(keysOf(await created.json())).toEqual(keysOf(scheduleKeys));
    const { schedules } = await (await server.request("GET", "/api/v1/admin/jobs/schedules", admin)).json();
    expect(keysOf(schedules[0])).toEqual(keysOf(scheduleKeys));
  });
});
