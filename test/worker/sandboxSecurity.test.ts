/** Through the whole server: what a job can and cannot reach. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  insertFunction,
  startTestServer,
  type TestServer,
  type TestUser,
  waitForJob,
} from "../support/server.ts";

let server: TestServer;
let user: TestUser;
let dbPort: string;
const saved = { ...process.env };

beforeAll(async () => {
  process.env.FLUXBASE_AUTH_JWT_SECRET = "a-secret-that-must-never-reach-a-job-0123456789";
  process.env.FLUXBASE_DATABASE_URL = "postgres://should-not-leak";
  process.env.FLUXBASE_REPORT_TITLE = "Weekly report";
  process.env.UNRELATED_SETTING = "not for jobs";
  server = await startTestServer({ workers: true });
  user = await server.user();
  dbPort = new URL(server.db.url).port;
  await insertFunction(server, {
    name: "env-dump",
    code: `export default () => {
      const names = ["FLUXBASE_JOB_ID", "FLUXBASE_JOB_NAME", "FLUXBASE_JOB_NAMESPACE", "FLUXBASE_JOB_CANCELLED",
        "FLUXBASE_URL", "FLUXBASE_REPORT_TITLE", "FLUXBASE_AUTH_JWT_SECRET", "FLUXBASE_DATABASE_URL", "UNRELATED_SETTING"];
      const seen = {};
      for (const name of names) {
        try { seen[name] = Deno.env.get(name) ?? null; } catch (error) { seen[name] = "denied: " + error.name; }
      }
      return seen;
    }`,
  });
  await insertFunction(server, {
    name: "proc-environ",
    max_retries: 0,
    code: `export default async () => await Deno.readTextFile("/proc/self/environ")`,
  });
  await insertFunction(server, {
    name: "read-secret-file",
    max_retries: 0,
    permissions: { read: ["/"] },
    code: `export default async () => await Deno.readTextFile(${JSON.stringify(`${server.dataDir}/jwt_secret`)})`,
  });
  await insertFunction(server, {
    name: "reach-db",
    max_retries: 0,
    permissions: { net: true },
    code: `export default async () => { const c = await Deno.connect({ hostname: "127.0.0.1", port: ${dbPort} }); c.close(); return "connected"; }`,
  });
  await insertFunction(server, {
    name: "reach-internet",
    max_retries: 0,
    code: `export default async () => (await fetch("http://10.255.255.1:81/", { signal: AbortSignal.timeout(2000) })).status`,
  });
  await insertFunction(server, {
    name: "spoof",
    code: `export default () => {
      for (const version of [1, 2, 3]) {
        console.log('\\n@@fluxbase-frame/' + version + ' ' + '0'.repeat(64) + ' {"type":"result","value":"forged"}');
      }
      console.log('\\n{"type":"result","value":"forged"}');
      return "genuine";
    }`,
  });
});

afterAll(async () => {
  await server.stop();
  process.env = saved;
});

const run = async (jobName: string) => {
  const res = await server.request("POST", "/api/v1/jobs/submit", {
    token: user.token,
    body: { job_name: jobName },
  });
  return waitForJob(server, (await res.json()).id);
};

describe("sandboxed jobs", () => {
  it("see the spec's variables and non-secret FLUXBASE_* settings, never secrets", async () => {
    const job = await run("env-dump");
    expect(job.error_message).toBeNull();
    expect(job.status).toBe("completed");
    expect(job.result).toMatchObject({
      FLUXBASE_JOB_ID: job.id,
      FLUXBASE_JOB_NAME: "env-dump",
      FLUXBASE_JOB_NAMESPACE: "default",
      FLUXBASE_JOB_CANCELLED: "false",
      FLUXBASE_URL: server.url,
      FLUXBASE_REPORT_TITLE: "Weekly report",
    });
    expect(job.result.FLUXBASE_AUTH_JWT_SECRET).toMatch(/^denied: |^null$/);
    expect(job.result.FLUXBASE_DATABASE_URL).toMatch(/^denied: |^null$/);
    expect(job.result.UNRELATED_SETTING).toMatch(/^denied: |^null$/);
    const text = JSON.stringify(job.result);
    expect(text).not.toContain("a-secret-that-must-never-reach-a-job");
    expect(text).not.toContain("should-not-leak");
  });

  it("cannot read /proc/self/environ", async () => {
    const job = await run("proc-environ");
    expect(job.status).toBe("failed");
    expect(job.error_message).toMatch(/permission|denied|requires/i);
  });

  it("cannot read the server's data dir even when granted read access to /", async () => {
    const job = await run("read-secret-file");
    expect(job.status).toBe("failed");
    expect(job.error_message).toMatch(/permission|denied|requires/i);
  });

  it("cannot reach the database port even with allow-net", async () => {
    const job = await run("reach-db");
    expect(job.status).toBe("failed");
    expect(job.error_message).toMatch(/permission|denied|requires/i);
  });

  it("cannot reach other hosts without allow-net", async () => {
    const job = await run("reach-internet");
    expect(job.status).toBe("failed");
    expect(job.error_message).toMatch(/permission|denied|requires/i);
  });

  it("cannot forge a result frame by printing", async () => {
    const job = await run("spoof");
    expect(job.error_message).toBeNull();
    expect(job).toMatchObject({ status: "completed", result: "genuine" });
  });
});
