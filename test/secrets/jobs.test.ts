/**
 * Secrets inside jobs, end to end (real server, workers, Deno): which values a run gets, how the
 * user's override the system's, what a missing or damaged secret does, that printed values are
 * masked in jobs.logs, and that no value ever reaches the Deno child's environment.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { descendants } from "../support/processes.ts";
import {
  insertFunction,
  jobLogLines,
  startTestServer,
  type TestServer,
  type TestUser,
  waitForJob,
} from "../support/server.ts";

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
const stderr: string[] = [];
process.env.TEST_LOG_LEVEL = "debug";
const realWrite = process.stderr.write.bind(process.stderr);

const SYSTEM_GLOBAL = "sk_system_global_0a1b2c3d";
const SYSTEM_BILLING = "sk_system_billing_4e5f6a7b";
const ALICE_VALUE = "sk_alice_user_8c9d0e1f";
const WEBHOOK = "whsec_webhook_2a3b4c5d";
const allValues = [SYSTEM_GLOBAL, SYSTEM_BILLING, ALICE_VALUE, WEBHOOK];

beforeAll(async () => {
  vi.spyOn(process.stderr, "write").mockImplementation(((chunk: string | Uint8Array, ...rest: any[]) => {
    stderr.push(String(chunk));
    return realWrite(chunk, ...rest);
  }) as typeof process.stderr.write);
  server = await startTestServer({ workers: true, jobs: { maxConcurrentPerWorker: 4 } });
  [alice, bob] = [await server.user(), await server.user()];
  const put = async (route: string, body: unknown, token = server.serviceKey) => {
    const res = await server.request("PUT", route, { token, body });
    expect(res.status).toBe(201);
  };
  await put("/api/v1/admin/secrets/stripe_api_key", { value: SYSTEM_GLOBAL });
  await put("/api/v1/admin/secrets/stripe_api_key", { value: SYSTEM_BILLING, namespace: "billing" });
  await put("/api/v1/admin/secrets/webhook_secret", { value: WEBHOOK });
  // Another namespace's secret, which no job outside it may see.
  await put("/api/v1/admin/secrets/other_ns_only", { value: "other_ns_value_1234", namespace: "other" });

  const readSecrets = `export async function handler(req, fluxbase, fluxbaseService, job) {
    return {
      stripe: secrets.getRequired("stripe_api_key"),
      user: secrets.getUser("stripe_api_key") ?? null,
      system: secrets.getSystem("stripe_api_key") ?? null,
      webhook: secrets.get("webhook_secret") ?? null,
      other: secrets.get("other_ns_only") ?? null,
    };
  }`;
  await insertFunction(server, { name: "charge", code: readSecrets, max_retries: 0 });
  await insertFunction(server, { name: "charge", namespace: "billing", code: readSecrets, max_retries: 0 });
  await insertFunction(server, {
    name: "needs-missing",
    max_retries: 0,
    code: `export async function handler() { return secrets.getRequired("missing_secret"); }`,
  });
  await insertFunction(server, {
    name: "prints-secrets",
    max_retries: 0,
    code: `export async function handler(req, fb, svc, job) {
      const key = secrets.getRequired("stripe_api_key");
      console.log("using key " + key);
      console.error(JSON.stringify({ webhook: secrets.get("webhook_secret") }));
      console.warn("split", key.slice(0, 4), "but whole:", key);
      job.reportProgress(50, "charging with " + key);
      throw new Error("card declined for key " + key);
    }`,
  });
  await insertFunction(server, {
    name: "env-probe",
    max_retries: 0,
    permissions: { env: ["STRIPE_API_KEY", "stripe_api_key", "WEBHOOK_SECRET", "SECRETS"] },
    code: `export async function handler() {
      let all;
      try { all = Deno.env.toObject(); } catch (e) { all = { refused: e.name }; }
      const probed = {};
      for (const name of ["STRIPE_API_KEY", "stripe_api_key", "WEBHOOK_SECRET", "SECRETS", "FLUXBASE_JOB_ID"]) {
        try { probed[name] = Deno.env.get(name) ?? null; } catch (e) { probed[name] = "refused: " + e.name; }
      }
      // Proof the values were there to leak: the job itself can read them through secrets.
      return { all, probed, seen: secrets.getRequired("stripe_api_key").length };
    }`,
  });
  await insertFunction(server, {
    name: "holds-secret",
    max_retries: 0,
    code: `export async function handler(req, fb, svc, job) {
      const key = secrets.getRequired("stripe_api_key");
      job.reportProgress(10, "holding", { pid: Deno.pid });
      await new Promise((r) => setTimeout(r, Number(job.getJobPayload().ms ?? 3000)));
      return key.length;
    }`,
  });
});

afterAll(async () => {
  await server?.stop();
  vi.restoreAllMocks();
});

async function submit(jobName: string, token: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await server.request("POST", "/api/v1/jobs/submit", {
    token,
    body: { job_name: jobName, ...extra },
  });
  expect(res.status).toBe(201);
  return (await res.json()).id;
}

async function run(jobName: string, token: string, extra: Record<string, unknown> = {}) {
  return waitForJob(server, await submit(jobName, token, extra));
}

describe("what a run can read", () => {
  it("gives a job the global system secret through secrets.getRequired", async () => {
    const job = await run("charge", alice.token);
    expect(job.status).toBe("completed");
    expect(job.result).toEqual({
      stripe: SYSTEM_GLOBAL,
      user: null,
      system: SYSTEM_GLOBAL,
      webhook: WEBHOOK,
      other: null,
    });
  });

  it("prefers the namespace's own system secret over the global one, in that namespace only", async () => {
    const job = await run("charge", alice.token, { namespace: "billing" });
    expect(job.result).toMatchObject({ stripe: SYSTEM_BILLING, system: SYSTEM_BILLING, webhook: WEBHOOK });
    expect(job.result.other).toBeNull();
  });

  it("lets the submitting user's own secret override the system one, for that user's jobs only", async () => {
    const res = await server.request("PUT", "/api/v1/secrets/stripe_api_key", {
      token: alice.token,
      body: { value: ALICE_VALUE },
    });
    expect(res.status).toBe(201);
    const alices = await run("charge", alice.token);
    expect(alices.result).toMatchObject({ stripe: ALICE_VALUE, user: ALICE_VALUE, system: SYSTEM_GLOBAL });
    const alicesBilling = await run("charge", alice.token, { namespace: "billing" });
    expect(alicesBilling.result).toMatchObject({ stripe: ALICE_VALUE, system: SYSTEM_BILLING });
    const bobs = await run("charge", bob.token);
    expect(bobs.result).toMatchObject({ stripe: SYSTEM_GLOBAL, user: null });
    const services = await run("charge", server.serviceKey);
    expect(services.result).toMatchObject({ stripe: SYSTEM_GLOBAL, user: null });
  });

  it("fails a job whose required secret is not set, with a message naming it", async () => {
    const job = await run("needs-missing", alice.token);
    expect(job.status).toBe("failed");
    expect(job.error_message).toBe('Secret "missing_secret" is required but is not set');
    const logs = await jobLogLines(server, job.id);
    expect(logs.some((l) => l.level === "error" && l.message.includes('Secret "missing_secret"'))).toBe(true);
  });

  it("leaves out a value that fails authentication, says which in the logs, and still runs", async () => {
    await server.request("PUT", "/api/v1/admin/secrets/damaged", {
      token: server.serviceKey,
      body: { value: "damaged_value_5678" },
    });
    await server.db.sql`
      update jobs.secrets set ciphertext = set_byte(ciphertext, 0, get_byte(ciphertext, 0) # 1)
      where name = 'damaged'`;
    const job = await run("charge", bob.token);
    expect(job.status).toBe("completed");
    expect(job.result.stripe).toBe(SYSTEM_GLOBAL);
    const logs = await jobLogLines(server, job.id);
    expect(logs).toContainEqual({
      level: "warn",
      message:
        'Secret "damaged" could not be decrypted: authentication failed (the stored value was altered or ' +
        "belongs to another secret); it is not available to this run",
    });
    await server.request("DELETE", "/api/v1/admin/secrets/damaged", { token: server.serviceKey });
  });
});

describe("masking", () => {
  it("writes *** to jobs.logs, the progress message and the error instead of any value", async () => {
    const job = await run("prints-secrets", alice.token);
    expect(job.status).toBe("failed");
    const logs = await jobLogLines(server, job.id);
    const text = logs.map((l) => `${l.level}: ${l.message}`).join("\n");
    expect(text).toContain("info: using key ***");
    expect(text).toContain('error: {"webhook":"***"}');
    expect(text).toContain("but whole: ***");
    for (const value of allValues) expect(text).not.toContain(value);
    expect(job.progress).toMatchObject({ percent: 50, message: "charging with ***" });
    expect(job.error_message).toBe("card declined for key ***");
    const patterns = allValues.map((value) => `%${value}%`);
    const [row] = await server.db.sql<{ n: number }[]>`
      select count(*)::int as n from jobs.logs where job_id = ${job.id} and message like any(${patterns})`;
    expect(row!.n).toBe(0);
  });
});

describe("the Deno child's environment", () => {
  it("holds no secret: Deno.env refuses a dump and the secret names are not set", async () => {
    const job = await run("env-probe", alice.token);
    expect(job.status).toBe("completed");
    expect(job.result.seen).toBe(ALICE_VALUE.length);
    expect(job.result.all).toEqual({ refused: "NotCapable" });
    expect(job.result.probed).toEqual({
      // Names that look like secrets are never even readable, whatever the annotations ask for.
      STRIPE_API_KEY: "refused: NotCapable",
      stripe_api_key: "refused: NotCapable",
      WEBHOOK_SECRET: "refused: NotCapable",
      SECRETS: "refused: NotCapable",
      FLUXBASE_JOB_ID: job.id,
    });
    const text = JSON.stringify(job.result);
    for (const value of allValues) expect(text).not.toContain(value);
  });

  it("holds no secret in /proc/<pid>/environ or the command line of the running child", async () => {
    const id = await submit("holds-secret", alice.token, { payload: { ms: 4000 } });
    const holding = await waitForJob(server, id, (job) => job.progress?.percent === 10);
    const runningPid = (holding.progress?.data as { pid: number }).pid;
    // Every process of the sandbox below the server: its spawner (node) and the Deno processes.
    const children = descendants(process.pid).filter((pid) => ["deno", "node"].includes(commandOf(pid)));
    const environs = children.map((pid) => ({
      environ: readFileSync(`/proc/${pid}/environ`, "utf8").split("\0"),
      cmdline: readFileSync(`/proc/${pid}/cmdline`, "utf8"),
    }));
    // The right process is among them: the one running this job (a warm process may have been
    // started for an earlier run, so its environment names that run's job id, not this one's).
    expect(children).toContain(runningPid);
    for (const { environ, cmdline } of environs) {
      const text = `${environ.join("\n")}\n${cmdline}`;
      for (const value of allValues) expect(text).not.toContain(value);
      const names = environ.map((entry) => entry.split("=")[0]!);
      expect(names.filter((name) => /SECRET|ENCRYPTION|KEY/i.test(name))).toEqual([]);
    }
    const job = await waitForJob(server, id);
    expect(job).toMatchObject({ status: "completed", result: ALICE_VALUE.length });
  });
});

describe("server logs", () => {
  it("never contain a secret value, at any level", () => {
    const text = stderr.join("");
    expect(text.length).toBeGreaterThan(0);
    for (const value of [...allValues, "damaged_value_5678"]) expect(text).not.toContain(value);
  });
});

/** A process's command name; "" once it has ended. */
function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}
