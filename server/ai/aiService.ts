/**
 * The AI calls the server makes for jobs: picks the provider, enforces the budgets (requests per
 * minute per user, tokens per run), calls the provider with the official `openai` client, records
 * the usage on the job and turns failures into errors that name the setting to fix. Provider keys
 * are read here (an option, FLUXBASE_AI_API_KEY or a system secret) and never leave the server.
 */
import OpenAI from "openai";
import type { AiConfig, AiProvider } from "../config/types.ts";
import type { Sql } from "../db/createSql.ts";
import { HttpError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Keyring } from "../secrets/keyring.ts";
import { readSystemSecret } from "../secrets/readSystemSecret.ts";
import { takeAiRequest } from "./aiRateLimit.ts";
import { recordAiUsage, runTokensUsed } from "./aiUsage.ts";
import { providerError } from "./providerError.ts";
import type {
  AiCaller,
  AiChatInput,
  AiChatResult,
  AiEmbedInput,
  AiEmbedResult,
  AiProviderList,
  AiUsage,
} from "./types.ts";

export interface AiServiceDeps {
  sql: Sql;
  config: AiConfig;
  keyring: Keyring;
  logger: Logger;
  /** Calls and tokens by provider and outcome are counted here when given. */
  metrics?: Metrics;
}

export interface AiService {
  chat(caller: AiCaller, input: AiChatInput, signal?: AbortSignal): Promise<AiChatResult>;
  embed(caller: AiCaller, input: AiEmbedInput, signal?: AbortSignal): Promise<AiEmbedResult>;
  listProviders(): AiProviderList;
}

const noUsage: AiUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };

export function createAiService(deps: AiServiceDeps): AiService {
  const { sql, config, logger } = deps;
  const byName = new Map(config.providers.map((provider) => [provider.name, provider]));
  const defaultName =
    config.defaultProvider || (byName.has("default") ? "default" : (config.providers[0]?.name ?? null));
  const clients = new Map<string, { key: string; client: OpenAI }>();

  function pick(name: string | undefined): AiProvider {
    if (config.providers.length === 0) {
      throw new HttpError(
        503,
        "AI_NOT_CONFIGURED",
        "No AI provider is configured: set FLUXBASE_AI_BASE_URL and FLUXBASE_AI_MODEL (the provider named default), or list providers under ai.providers in fluxbase.yaml",
      );
    }
    const wanted = name ?? defaultName!;
    const provider = byName.get(wanted);
    if (!provider) {
      throw new HttpError(
        404,
        "AI_PROVIDER_NOT_FOUND",
        `No AI provider "${wanted}": the configured ones are ${[...byName.keys()].join(", ")} (ai.providers in fluxbase.yaml, or FLUXBASE_AI_* for "default")`,
        { provider: wanted, providers: [...byName.keys()] },
      );
    }
    if (!provider.enabled) {
      throw new HttpError(
        403,
        "AI_PROVIDER_DISABLED",
        `The AI provider "${wanted}" is disabled (${provider.source}.enabled)`,
        {
          provider: wanted,
        },
      );
    }
    return provider;
  }

  async function apiKey(provider: AiProvider): Promise<string> {
    if (provider.apiKey) return provider.apiKey;
    if (!provider.apiKeySecret) return "";
    const key = await readSystemSecret(sql, deps.keyring, provider.apiKeySecret);
    if (key === undefined) {
      throw new HttpError(
        503,
        "AI_PROVIDER_KEY_MISSING",
        `The AI provider "${provider.name}" reads its API key from the system secret ${provider.apiKeySecret} (${provider.source}.api_key_secret), which is not set: fluxbase settings secrets set ${provider.apiKeySecret}`,
        { provider: provider.name },
      );
    }
    return key;
  }

  async function clientFor(provider: AiProvider): Promise<OpenAI> {
    const key = await apiKey(provider);
    const cached = clients.get(provider.name);
    if (cached && cached.key === key) return cached.client;
    // Everything explicit: the client must not pick up OPENAI_* variables of the server's environment.
    const client = new OpenAI({
      apiKey: key,
      baseURL: provider.baseUrl,
      organization: null,
      project: null,
      webhookSecret: null,
      timeout: config.timeout,
      maxRetries: config.maxRetries,
      // A provider without a key (a local Ollama) gets no Authorization header at all.
      defaultHeaders: key ? {} : { Authorization: null },
    });
    clients.set(provider.name, { key, client });
    return client;
  }

  /** The budgets, checked before the call; returns the tokens left in the run (Infinity: no limit). */
  async function admit(caller: AiCaller): Promise<number> {
    if (config.requestsPerMinute > 0) {
      const decision = await takeAiRequest(sql, caller.userKey, config.requestsPerMinute);
      if (!decision.allowed) {
        throw new HttpError(
          429,
          "AI_RATE_LIMITED",
          `More than ${config.requestsPerMinute} AI requests this minute (FLUXBASE_AI_REQUESTS_PER_MINUTE); try again in ${Math.ceil(decision.retryAfterMs / 1000)} s`,
          { limit: config.requestsPerMinute, retry_after_seconds: Math.ceil(decision.retryAfterMs / 1000) },
        );
      }
    }
    if (!caller.jobId || config.maxTokensPerJob === 0) return Number.POSITIVE_INFINITY;
    const used = (await runTokensUsed(sql, caller.jobId)) ?? 0;
    if (used >= config.maxTokensPerJob) {
      throw new HttpError(
        429,
        "AI_TOKEN_BUDGET_EXCEEDED",
        `This run has used ${used} AI tokens, its budget is ${config.maxTokensPerJob} (FLUXBASE_AI_MAX_TOKENS_PER_JOB)`,
        { used, limit: config.maxTokensPerJob },
      );
    }
    return config.maxTokensPerJob - used;
  }

  async function record(caller: AiCaller, usage: AiUsage): Promise<void> {
    if (!caller.jobId) return;
    try {
      await recordAiUsage(sql, caller.jobId, usage);
    } catch (error) {
      logger.warn("could not record AI usage on the job", {
        job_id: caller.jobId,
        error: (error as Error).message,
      });
    }
  }

  /** Counts a call by provider, kind and outcome (ok, or the code of the error it ended with). */
  async function counted<T>(
    kind: "chat" | "embed",
    provider: string | undefined,
    call: () => Promise<T>,
    tokens: (result: T) => number = () => 0,
  ): Promise<T> {
    const name = provider ?? defaultName ?? "none";
    try {
      const result = await call();
      deps.metrics?.aiCall(name, kind, "ok", tokens(result));
      return result;
    } catch (error) {
      deps.metrics?.aiCall(name, kind, error instanceof HttpError ? error.code : "ERROR", 0);
      throw error;
    }
  }

  const service = {
    listProviders() {
      return {
        providers: config.providers.map((p) => ({
          name: p.name,
          type: p.type,
          model: p.model,
          embedding_model: p.embeddingModel,
          enabled: p.enabled,
        })),
        default: defaultName,
      };
    },

    async chat(caller: AiCaller, input: AiChatInput, signal?: AbortSignal): Promise<AiChatResult> {
      const provider = pick(input.provider);
      const model = input.model ?? provider.model;
      if (!model) {
        throw new HttpError(
          400,
          "AI_MODEL_NOT_CONFIGURED",
          `The AI provider "${provider.name}" has no chat model: set ${provider.source === "FLUXBASE_AI_*" ? "FLUXBASE_AI_MODEL" : `${provider.source}.model`}, or pass model`,
          { provider: provider.name },
        );
      }
      const left = await admit(caller);
      const maxTokens = Math.min(input.maxTokens ?? Number.POSITIVE_INFINITY, left);
      const client = await clientFor(provider);
      const started = Date.now();
      let completion: OpenAI.Chat.Completions.ChatCompletion;
      try {
        completion = await client.chat.completions.create(
          {
            model,
            messages: input.messages,
            ...(Number.isFinite(maxTokens) ? { max_tokens: maxTokens } : {}),
            ...(input.temperature === undefined ? {} : { temperature: input.temperature }),
          },
          { signal },
        );
      } catch (error) {
        await record(caller, noUsage);
        throw providerError(provider, error, config.timeout);
      }
      const usage: AiUsage = {
        prompt_tokens: completion.usage?.prompt_tokens ?? 0,
        completion_tokens: completion.usage?.completion_tokens ?? 0,
        total_tokens: completion.usage?.total_tokens ?? 0,
      };
      await record(caller, usage);
      const choice = completion.choices?.[0];
      logger.debug("AI chat", {
        provider: provider.name,
        model: completion.model ?? model,
        job_id: caller.jobId,
        tokens: usage.total_tokens,
        ms: Date.now() - started,
      });
      return {
        content: choice?.message?.content ?? "",
        model: completion.model || model,
        finish_reason: choice?.finish_reason ?? null,
        usage,
      };
    },

    async embed(caller: AiCaller, input: AiEmbedInput, signal?: AbortSignal): Promise<AiEmbedResult> {
      const provider = pick(input.provider);
      const model = provider.embeddingModel;
      if (!model) {
        throw new HttpError(
          400,
          "AI_MODEL_NOT_CONFIGURED",
          `The AI provider "${provider.name}" has no embedding model: set ${provider.source === "FLUXBASE_AI_*" ? "FLUXBASE_AI_EMBEDDING_MODEL" : `${provider.source}.embedding_model`}`,
          { provider: provider.name },
        );
      }
      await admit(caller);
      const client = await clientFor(provider);
      let response: OpenAI.Embeddings.CreateEmbeddingResponse;
      try {
        response = await client.embeddings.create(
          { model, input: input.text, encoding_format: "float" },
          { signal },
        );
      } catch (error) {
        await record(caller, noUsage);
        throw providerError(provider, error, config.timeout);
      }
      const tokens = response.usage?.total_tokens ?? response.usage?.prompt_tokens ?? 0;
      await record(caller, {
        prompt_tokens: response.usage?.prompt_tokens ?? tokens,
        completion_tokens: 0,
        total_tokens: tokens,
      });
      const embedding = response.data?.[0]?.embedding;
      if (!Array.isArray(embedding)) {
        throw new HttpError(
          502,
          "AI_PROVIDER_ERROR",
          `The AI provider "${provider.name}" answered without an embedding`,
          {
            provider: provider.name,
          },
        );
      }
      return { embedding, model: response.model || model };
    },
  };
  return {
    listProviders: () => service.listProviders(),
    chat: (caller, input, signal) =>
      counted(
        "chat",
        input.provider,
        () => service.chat(caller, input, signal),
        (r) => r.usage.total_tokens,
      ),
    embed: (caller, input, signal) =>
      counted("embed", input.provider, () => service.embed(caller, input, signal)),
  };
}
