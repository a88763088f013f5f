/**
 * The AI helpers end to end: a sandboxed job calls job.ai (no allow-net), a trusted handler ctx.ai;
 * the server calls an OpenAI-compatible endpoint — a small fake on loopback that checks what it
 * receives — with its key, records the usage on the job, enforces the run's token budget, and turns
 * provider failures and missing configuration into clear errors.
 */

import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineJob } from "../../server/handlers/defineJob.ts";
import { startTestServer, type TestServer, type TestUser, waitForJob } from "../support/server.ts";

interface Seen {
  path: string;
  authorization: string | undefined;
  body: Record<string, any>;
}
const seen: Seen[] = [];
let fake: Server;
let fakeUrl: string;

function startFake(): Promise<void> {
  fake = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk) => {
      text += chunk;
    });
    req.on("end", () => {
      const body = text ? JSON.parse(text) : {};
      seen.push({ path: req.url ?? "", authorization: req.headers.authorization, body });
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      if (req.url === "/v1/chat/completions") {
        const last = body.messages?.at(-1)?.content ?? "";
        if (last === "fail") return send(500, { error: { message: "the model fell over" } });
        if (last === "slow") {
          setTimeout(() => send(200, {}), 4000).unref();
          return;
        }
        return send(200, {
          id: "c1",
          object: "chat.completion",
          created: 0,
          model: body.model,
          choices: [
            { index: 0, message: { role: "assistant", content: `echo: ${last}` }, finish_reason: "stop" },
          ],
          usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
        });
      }
      if (req.url === "/v1/embeddings")
        return send(200, {
          object: "list",
          model: body.model,
          data: [{ object: "embedding", index: 0, embedding: [0.1, 0.2, 0.3] }],
          usage: { prompt_tokens: 3, total_tokens: 3 },
        });
      send(404, { error: { message: `no ${req.url}` } });
    });
  });
  return new Promise((resolve) =>
    fake.listen(0, "127.0.0.1", () => {
      fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/v1`;
      resolve();
    }),
  );
}

const aiJob = `export default async (req, fb, svc, job) => {
  const { say, times = 1 } = job.getJobPayload();
  const out = { providers: await job.ai.listProviders(), chats: [], error: null };
  try {
    for (let i = 0; i < times; i++) out.chats.push(await job.ai.chat({ messages: [{ role: "user", content: say }], maxTokens: 100 }));
    out.embedding = (await job.ai.embed({ text: "hello" })).embedding;
  } catch (error) { out.error = error.code; }
  let env = "hidden";
  try { env = Deno.env.get("FLUXBASE_AI_API_KEY") ?? "absent"; } catch { env = "denied"; }
  out.env = env;
  return out;
};
`;

const summarise = defineJob({
  name: "summarise",
  handler: async (ctx) =>
    (await ctx.ai.chat({ messages: [{ role: "user", content: "from a handler" }] })).content,
});

let server: TestServer;
let alice: TestUser;
let dir: string;

beforeAll(async () => {
  await startFake();
  dir = mkdtempSync(path.join(tmpdir(), "fluxbase-ai-"));
  mkdirSync(path.join(dir, "jobs"));
  writeFileSync(path.join(dir, "jobs", "ai-job.ts"), aiJob);
  // The example of docs/ai.md, as a user would drop it into ./jobs.
  copyFileSync(
    fileURLToPath(new URL("../../docs/examples/jobs/weekly-insights.ts", import.meta.url)),
    path.join(dir, "jobs", "weekly-insights.ts"),
  );
  server = await startTestServer({
    workers: true,
    jobs: { dir: path.join(dir, "jobs") },
    handlers: [summarise],
    ai: {
      baseUrl: fakeUrl,
      model: "m-chat",
      embeddingModel: "m-embed",
      apiKey: "sk-test-key",
      maxTokensPerJob: 40,
      timeout: 3000,
      maxRetries: 0,
    },
  });
  alice = await server.user();
});
afterAll(async () => {
  await server?.stop();
  fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(payload: Record<string, unknown>) {
  const res = await server.request("POST", "/api/v1/jobs/submit", {
    token: alice.token,
    body: { job_name: "ai-job", payload },
  });
  expect(res.status).toBe(201);
  return waitForJob(server, (await res.json()).id);
}

describe("job.ai in a sandboxed job", () => {
  it("chats and embeds through the server, which holds the key, and records the usage on the job", async () => {
    seen.length = 0;
    const job = await run({ say: "hi" });
    expect(job.status).toBe("completed");
    expect(job.result).toMatchObject({
      providers: {
        default: "default",
        providers: [{ name: "default", model: "m-chat", embedding_model: "m-embed" }],
      },
      chats: [{ content: "echo: hi", model: "m-chat", finish_reason: "stop", usage: { total_tokens: 15 } }],
      error: null,
      embedding: [0.1, 0.2, 0.3],
    });
    expect(job.result.env).not.toBe("sk-test-key");
    expect(JSON.stringify(job.result.providers)).not.toContain("sk-test-key");
    expect(seen.map((s) => s.path)).toEqual(["/v1/chat/completions", "/v1/embeddings"]);
    expect(seen.every((s) => s.authorization === "Bearer sk-test-key")).toBe(true);
    expect(seen[0]!.body).toMatchObject({
      model: "m-chat",
      max_tokens: 40,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(job.ai_usage).toMatchObject({
      requests: 2,
      prompt_tokens: 13,
      completion_tokens: 5,
      total_tokens: 18,
    });
  });

  it("stops a run at its token budget, and turns a provider failure or timeout into a clear error", async () => {
    const spent = await run({ say: "again", times: 4 });
    expect(spent.result.chats).toHaveLength(3);
    expect(spent.result.error).toBe("AI_TOKEN_BUDGET_EXCEEDED");
    const failed = await run({ say: "fail" });
    expect(failed.result.error).toBe("AI_PROVIDER_ERROR");
    // A provider slower than FLUXBASE_AI_TIMEOUT: the call gives up and says so.
    const slow = await run({ say: "slow" });
    expect(slow.result.error).toBe("AI_PROVIDER_TIMEOUT");
    // Calls and tokens by outcome in /metrics.
    const metrics = await (await server.request("GET", "/metrics")).text();
    expect(metrics).toMatch(
      /^fluxbase_ai_requests_total\{provider="default",kind="chat",outcome="ok"\} [1-9]/m,
    );
    expect(metrics).toMatch(
      /^fluxbase_ai_requests_total\{provider="default",kind="chat",outcome="AI_TOKEN_BUDGET_EXCEEDED"\} 1$/m,
    );
    expect(metrics).toMatch(
      /^fluxbase_ai_requests_total\{provider="default",kind="chat",outcome="AI_PROVIDER_ERROR"\} 1$/m,
    );
    expect(metrics).toMatch(/^fluxbase_ai_tokens_total\{provider="default",kind="chat"\} \d+/m);
  });
});

it("runs the documented example (docs/ai.md) unchanged", async () => {
  const res = await server.request("POST", "/api/v1/jobs/submit", {
    token: alice.token,
    body: { job_name: "weekly-insights", payload: { records: [{ day: "mon", sales: 3 }] } },
  });
  const job = await waitForJob(server, (await res.json()).id);
  expect(job.status).toBe("completed");
  expect(job.result.insights).toContain('echo: Analyze this week\'s sales data:\n[{"day":"mon","sales":3}]');
  expect(job.result.dimensions).toBe(3);
});

describe("the AI routes", () => {
  it("serve the service role and running jobs only, and refuse bad input", async () => {
    const user = await server.request("POST", "/api/v1/ai/chat", {
      token: alice.token,
      body: { messages: [{ role: "user", content: "x" }] },
    });
    expect(user.status).toBe(403);
    expect((await user.json()).code).toBe("AI_JOB_REQUIRED");
    const service = await server.request("POST", "/api/v1/ai/chat", {
      token: server.serviceKey,
      body: { messages: [{ role: "user", content: "as the service" }] },
    });
    expect(service.status).toBe(200);
    expect((await service.json()).content).toBe("echo: as the service");
    for (const body of [
      { messages: [] },
      { messages: [{ role: "robot", content: "x" }] },
      { messages: [{ role: "user", content: "x" }], temperature: 9 },
    ]) {
      const bad = await server.request("POST", "/api/v1/ai/chat", { token: server.serviceKey, body });
      expect(bad.status).toBe(400);
      expect((await bad.json()).code).toBe("VALIDATION_ERROR");
    }
  });

  it("gives trusted handlers the same as ctx.ai", async () => {
    const { id } = await server.fluxbase.jobs.enqueue("summarise", {});
    expect(await waitForJob(server, id)).toMatchObject({
      status: "completed",
      result: "echo: from a handler",
    });
  });

  it("says which setting is missing when no provider is configured", async () => {
    const bare = await startTestServer();
    try {
      const res = await bare.request("POST", "/api/v1/ai/chat", {
        token: bare.serviceKey,
        body: { messages: [{ role: "user", content: "x" }] },
      });
      expect(res.status).toBe(503);
      const body = await res.json();
      expect(body.code).toBe("AI_NOT_CONFIGURED");
      expect(body.error).toContain("FLUXBASE_AI_BASE_URL");
    } finally {
      await bare.stop();
    }
  });
});
