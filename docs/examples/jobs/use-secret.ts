/**
 * Reads secrets through the `secrets` global. A user's own secret wins over a system
 * secret of the same name; values printed by mistake appear as *** in the job's logs.
 * @fluxbase:description Calls an API with a secret key
 * @fluxbase:max-retries 0
 * @fluxbase:timeout 30
 */
// Importing from @fluxbase/sdk/job also types the `secrets` global.
import type { FluxbaseClient, JobUtils } from "@fluxbase/sdk/job";

export async function handler(
  _req: Request,
  _fluxbase: FluxbaseClient,
  _fluxbaseService: FluxbaseClient,
  _job: JobUtils,
) {
  const apiKey = secrets.getRequired("greeting_api_key"); // throws when it is not set
  console.log(`Calling the API with ${apiKey}`); // logged as "Calling the API with ***"
  return { key_length: apiKey.length, from: secrets.getUser("greeting_api_key") ? "user" : "system" };
}
