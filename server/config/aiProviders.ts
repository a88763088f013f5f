/**
 * The AI providers: `ai.providers` of fluxbase.yaml (or the `ai.providers` option), a list of
 * OpenAI-compatible endpoints, plus the provider named "default" that FLUXBASE_AI_BASE_URL,
 * FLUXBASE_AI_MODEL, FLUXBASE_AI_EMBEDDING_MODEL and FLUXBASE_AI_API_KEY describe on their own (they
 * override the fields of a listed "default"). A key in the file names a system secret
 * (`api_key_secret`), so the file holds no key. Validated at start-up, with did-you-mean for keys.
 */
import { ConfigError } from "../errors.ts";
import type { AiConfig, AiProvider, AiProviderInput } from "./types.ts";
import { closest } from "./unknownYamlKeys.ts";

export const OPENAI_BASE_URL = "https://api.openai.com/v1";

/** The keys one entry of `ai.providers` in fluxbase.yaml may hold, and the option each becomes. */
const yamlKeys: Record<string, keyof AiProviderInput> = {
  name: "name",
  type: "type",
  base_url: "baseUrl",
  model: "model",
  embedding_model: "embeddingModel",
  api_key_secret: "apiKeySecret",
  enabled: "enabled",
};

const namePattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const secretPattern = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * `scalars`: the resolved FLUXBASE_AI_* settings; `fromOptions` wins over `fromYaml` (as for every
 * setting). `where` names the file for messages.
 */
export function resolveAiProviders(
  scalars: Omit<AiConfig, "providers">,
  fromOptions: AiProviderInput[] | undefined,
  fromYaml: unknown,
  where: string,
): AiProvider[] {
  const listed = fromOptions
    ? fromOptions.map((entry, i) => checkEntry(entry, `option ai.providers[${i}]`))
    : yamlEntries(fromYaml, where);
  const providers = new Map<string, AiProvider>();
  for (const provider of listed) {
    if (providers.has(provider.name)) {
      throw new ConfigError(`ai.providers lists "${provider.name}" twice; provider names must be unique`);
    }
    providers.set(provider.name, provider);
  }
  const env = { baseUrl: scalars.baseUrl, model: scalars.model, embeddingModel: scalars.embeddingModel };
  if (env.baseUrl || env.model || env.embeddingModel || scalars.apiKey) {
    const listedDefault = providers.get("default");
    const merged: AiProvider = {
      ...(listedDefault ?? {
        name: "default",
        type: "openai",
        baseUrl: OPENAI_BASE_URL,
        model: "",
        embeddingModel: "",
        apiKey: "",
        apiKeySecret: "",
        enabled: true,
      }),
      ...Object.fromEntries(Object.entries(env).filter(([, value]) => value !== "")),
      ...(scalars.apiKey ? { apiKey: scalars.apiKey } : {}),
      source: listedDefault ? `${listedDefault.source} and FLUXBASE_AI_*` : "FLUXBASE_AI_*",
    };
    checkUrl(merged.baseUrl, "FLUXBASE_AI_BASE_URL");
    checkModels(merged);
    providers.set("default", merged);
  }
  const all = [...providers.values()];
  if (scalars.defaultProvider && !providers.has(scalars.defaultProvider)) {
    const known = all.map((p) => p.name).join(", ") || "none";
    throw new ConfigError(
      `Invalid FLUXBASE_AI_DEFAULT_PROVIDER: no provider "${scalars.defaultProvider}" is configured (configured: ${known})`,
    );
  }
  return all;
}

function yamlEntries(value: unknown, where: string): AiProvider[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new ConfigError(`Invalid ai.providers in ${where}: expected a list of providers (- name: ...)`);
  }
  return value.map((raw, i) => {
    const at = `ai.providers[${i}] in ${where}`;
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw new ConfigError(`Invalid ${at}: expected a mapping with name, type, base_url, model, ...`);
    }
    const entry: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(raw as Record<string, unknown>)) {
      const option = yamlKeys[key];
      if (!option) {
        const suggestion = closest(key, Object.keys(yamlKeys));
        const hint =
          key === "api_key"
            ? "the file holds no keys: store it as a secret and name it with api_key_secret"
            : suggestion
              ? `did you mean ${suggestion}?`
              : `the keys are ${Object.keys(yamlKeys).join(", ")}`;
        throw new ConfigError(`Unknown key ${key} in ${at}: ${hint}`);
      }
      entry[option] = field;
    }
    return checkEntry(entry as unknown as AiProviderInput, at);
  });
}

function checkEntry(input: AiProviderInput, at: string): AiProvider {
  const text = (field: keyof AiProviderInput): string => {
    const value = input[field];
    if (value === undefined || value === null) return "";
    if (typeof value !== "string") throw new ConfigError(`Invalid ${at}: ${field} must be a string`);
    return value.trim();
  };
  const name = text("name");
  if (!namePattern.test(name)) {
    throw new ConfigError(
      `Invalid ${at}: name must be letters, digits, - and _ (64 at most), got ${JSON.stringify(input.name)}`,
    );
  }
  const where = `ai.providers[${name}]`;
  const type = text("type") || "openai";
  if (type !== "openai") {
    throw new ConfigError(
      `Invalid ${where}: type ${JSON.stringify(type)} is not supported; use openai (any OpenAI-compatible endpoint: OpenAI, Ollama, vLLM, OpenRouter, ...)`,
    );
  }
  const apiKeySecret = text("apiKeySecret");
  if (apiKeySecret && !secretPattern.test(apiKeySecret)) {
    throw new ConfigError(
      `Invalid ${where}: api_key_secret must be a secret's name, got ${JSON.stringify(apiKeySecret)}`,
    );
  }
  if (input.enabled !== undefined && typeof input.enabled !== "boolean") {
    throw new ConfigError(`Invalid ${where}: enabled must be true or false`);
  }
  const provider: AiProvider = {
    name,
    type: "openai",
    baseUrl: text("baseUrl") || OPENAI_BASE_URL,
    model: text("model"),
    embeddingModel: text("embeddingModel"),
    apiKey: text("apiKey"),
    apiKeySecret,
    enabled: input.enabled ?? true,
    source: where,
  };
  checkUrl(provider.baseUrl, `${where}.base_url`);
  checkModels(provider);
  return provider;
}

function checkUrl(url: string, setting: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {}
  if (!parsed || !/^https?:$/.test(parsed.protocol)) {
    throw new ConfigError(
      `Invalid ${setting}: expected an http(s) URL such as ${OPENAI_BASE_URL}, got ${JSON.stringify(url)}`,
    );
  }
  if (parsed.username || parsed.password) {
    throw new ConfigError(`Invalid ${setting}: the URL must not carry credentials; give the key as a secret`);
  }
}

function checkModels(provider: AiProvider): void {
  if (!provider.model && !provider.embeddingModel) {
    const names =
      provider.source === "FLUXBASE_AI_*"
        ? "FLUXBASE_AI_MODEL or FLUXBASE_AI_EMBEDDING_MODEL"
        : "model or embedding_model";
    throw new ConfigError(`Invalid ${provider.source}: provider "${provider.name}" needs ${names}`);
  }
}
