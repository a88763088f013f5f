/**
 * Asks a language model for insights on a week of sales, through the server's AI provider.
 * @fluxbase:description Weekly sales insights
 * @fluxbase:timeout 120
 */
import type { FluxbaseClient, JobUtils } from "@fluxbase/sdk";

export async function handler(
  _req: Request,
  _fluxbase: FluxbaseClient,
  _fluxbaseService: FluxbaseClient,
  job: JobUtils,
) {
  const { records } = job.getJobPayload<{ records: unknown[] }>();
  const response = await job.ai.chat({
    messages: [
      { role: "system", content: "You are a business analyst. Provide concise, actionable insights." },
      { role: "user", content: `Analyze this week's sales data:\n${JSON.stringify(records)}` },
    ],
    maxTokens: 500,
  });
  const { embedding } = await job.ai.embed({ text: response.content });
  return { insights: response.content, dimensions: embedding.length };
}
