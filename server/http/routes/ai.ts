/**
 * The AI helpers over HTTP, for `job.ai` in sandboxed jobs: the server makes the provider call, so
 * the API key never enters the sandbox and the job needs no `allow-net`.
 * - `POST /api/v1/ai/chat`, `POST /api/v1/ai/embed`, `GET /api/v1/ai/providers`.
 * Who may call: the tokens of a running job (they carry `job_id` and stop working when the run
 * ends; the run's token budget and its user's per-minute limit apply), and the service role or an
 * admin outside jobs (per-minute limit only). Other users' tokens are refused with 403
 * AI_JOB_REQUIRED: provider calls cost money, and only the code the operators deploy makes them.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AiCaller } from "../../ai/types.ts";
import type { Identity } from "../../auth/identity.ts";
import { forbidden } from "../../errors.ts";
import { authenticate } from "../authenticate.ts";
import { limitBody } from "../limitBody.ts";
import { hasUnstorableText, readJson } from "../readBody.ts";
import type { AppEnv, HttpDeps } from "../types.ts";

const providerName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "expected a provider name of letters, digits, - and _");
const text = (max: number) =>
  z
    .string()
    .max(max, `expected at most ${max} characters`)
    .refine((v) => !hasUnstorableText(v), "may not contain NUL characters or unpaired surrogates");

export const chatBody = z
  .object({
    messages: z
      .array(
        z
          .object({
            role: z.enum(["system", "user", "assistant"], { error: "expected system, user or assistant" }),
            content: text(1_000_000),
          })
          .strict(),
      )
      .min(1, "expected at least one message")
      .max(1000, "expected at most 1000 messages"),
    provider: providerName.optional(),
    model: z.string().min(1).max(200).optional(),
    maxTokens: z.number().int("expected a whole number").min(1).max(1_000_000).optional(),
    temperature: z.number().min(0).max(2).optional(),
  })
  .strict();

export const embedBody = z
  .object({
    text: text(1_000_000).pipe(z.string().min(1, "expected some text")),
    provider: providerName.optional(),
  })
  .strict();

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The run a token belongs to, or the service role / an admin; anyone else is refused. */
function callerOf(identity: Identity): AiCaller {
  const jobId = identity.claims.job_id;
  const userKey = identity.userId ?? identity.role.claim;
  if (typeof jobId === "string" && uuidPattern.test(jobId)) return { jobId, userKey };
  if (identity.role.level >= 2) return { jobId: null, userKey };
  throw forbidden(
    "AI_JOB_REQUIRED",
    "AI calls are made by jobs: use job.ai inside a job function (or ctx.ai in a trusted handler); outside jobs only the service role and admins may call",
    { role: identity.role.claim },
  );
}

export function aiRoutes(deps: HttpDeps) {
  const { ai } = deps;
  return new Hono<AppEnv>()
    .use("*", authenticate(deps.verifyToken))
    .get("/providers", (c) => {
      callerOf(c.get("identity"));
      return c.json(ai.listProviders());
    })
    .post("/chat", limitBody(deps.config.maxBodyBytes), async (c) => {
      const caller = callerOf(c.get("identity"));
      const body = await readJson(c, chatBody);
      return c.json(await ai.chat(caller, body, c.req.raw.signal));
    })
    .post("/embed", limitBody(deps.config.maxBodyBytes), async (c) => {
      const caller = callerOf(c.get("identity"));
      const body = await readJson(c, embedBody);
      return c.json(await ai.embed(caller, body, c.req.raw.signal));
    });
}
