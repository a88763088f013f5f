/**
 * What a failed provider call becomes: an HttpError whose message says which provider, what it
 * answered and which setting to look at, and never carries the API key. A job that does not catch
 * it fails with this message.
 */
import OpenAI from "openai";
import type { AiProvider } from "../config/types.ts";
import { HttpError } from "../errors.ts";

export function providerError(provider: AiProvider, error: unknown, timeoutMs: number): HttpError {
  const who = `The AI provider "${provider.name}"`;
  const context = { provider: provider.name };
  if (error instanceof OpenAI.APIUserAbortError) {
    return new HttpError(
      499,
      "AI_CALL_ABORTED",
      `${who} call was aborted (the run ended or was cancelled)`,
      context,
    );
  }
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new HttpError(
      504,
      "AI_PROVIDER_TIMEOUT",
      `${who} did not answer within ${timeoutMs / 1000} s (FLUXBASE_AI_TIMEOUT)`,
      context,
    );
  }
  if (error instanceof OpenAI.APIConnectionError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return new HttpError(
      502,
      "AI_PROVIDER_UNREACHABLE",
      `${who} cannot be reached at ${provider.baseUrl}${cause} (check ${provider.source === "FLUXBASE_AI_*" ? "FLUXBASE_AI_BASE_URL" : `${provider.source}.base_url`})`,
      context,
    );
  }
  if (error instanceof OpenAI.APIError) {
    const status = error.status ?? 0;
    const said = describeBody(error);
    if (status === 401 || status === 403) {
      const keySetting = provider.apiKeySecret
        ? `the secret ${provider.apiKeySecret} (${provider.source}.api_key_secret)`
        : provider.source.includes("FLUXBASE_AI_*")
          ? "FLUXBASE_AI_API_KEY"
          : `${provider.source}.api_key_secret`;
      return new HttpError(
        502,
        "AI_PROVIDER_AUTH",
        `${who} refused the API key (${status}${said}); check ${keySetting}`,
        { ...context, provider_status: status },
      );
    }
    const code = status === 429 ? "AI_PROVIDER_RATE_LIMITED" : "AI_PROVIDER_ERROR";
    return new HttpError(502, code, `${who} answered ${status}${said}`, {
      ...context,
      provider_status: status,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new HttpError(502, "AI_PROVIDER_ERROR", `${who} failed: ${message}`, context);
}

/** `: <the provider's message>`, short, or nothing. */
function describeBody(error: InstanceType<typeof OpenAI.APIError>): string {
  const body = error.error as { message?: unknown } | undefined;
  const text = typeof body?.message === "string" ? body.message : body ? JSON.stringify(body) : "";
  return text ? `: ${text.slice(0, 500)}` : "";
}
