/** The AI helpers' shapes: what `job.ai` / `ctx.ai` take and give back (the documented interface). */

export interface AiMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface AiChatInput {
  messages: AiMessage[];
  /** A provider's name. @default FLUXBASE_AI_DEFAULT_PROVIDER, else "default", else the first */
  provider?: string;
  /** @default the provider's model */
  model?: string;
  /** At most the tokens left in the run's budget. */
  maxTokens?: number;
  /** 0..2. @default the provider's */
  temperature?: number;
}

export interface AiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface AiChatResult {
  content: string;
  model: string;
  finish_reason: string | null;
  usage: AiUsage;
}

export interface AiEmbedInput {
  text: string;
  provider?: string;
}

export interface AiEmbedResult {
  embedding: number[];
  model: string;
}

export interface AiProviderInfo {
  name: string;
  type: "openai";
  /** The chat model; "" when the provider does only embeddings. */
  model: string;
  /** "" when the provider does no embeddings. */
  embedding_model: string;
  enabled: boolean;
}

export interface AiProviderList {
  providers: AiProviderInfo[];
  /** The provider used when a call names none; null when none is configured. */
  default: string | null;
}

/** `ctx.ai` in trusted handlers (and `job.ai` in sandboxed jobs): calls made by the server. */
export interface Ai {
  /** A chat completion. Throws an HttpError with an `AI_*` code when the call cannot be made. */
  chat(input: AiChatInput): Promise<AiChatResult>;
  /** An embedding of one text. */
  embed(input: AiEmbedInput): Promise<AiEmbedResult>;
  /** The configured providers (never their URLs or keys). */
  listProviders(): Promise<AiProviderList>;
}

/** On whose behalf a call is made: its budgets and where its usage is recorded. */
export interface AiCaller {
  /** The job whose run makes the call; null for the service role outside a job. */
  jobId: string | null;
  /** The user the per-minute limit counts for. */
  userKey: string;
}
