/**
 * Saves a note as the submitting user (row-level security applies), then counts that user's notes
 * and, as the service role, everyone's. Needs the table of docs/examples/app-notes.sql.
 * @fluxbase:description Saves a note for its user
 * @fluxbase:timeout 30
 */
import type { FluxbaseClient, JobUtils } from "@fluxbase/sdk";

export async function handler(
  _req: Request,
  fluxbase: FluxbaseClient,
  fluxbaseService: FluxbaseClient,
  job: JobUtils,
) {
  const { body } = job.getJobPayload<{ body: string }>();
  // user_id defaults to auth.uid(): the job's user, because `fluxbase` carries their identity.
  const saved = await fluxbase.from("app.notes").insert({ body }).select("id, body").single();
  if (saved.error) throw new Error(`Could not save the note: ${saved.error.message}`);
  const mine = await fluxbase.from("app.notes").select("id", { count: "exact", head: true });
  const everyone = await fluxbaseService.from("app.notes").select("id", { count: "exact", head: true });
  return { saved: saved.data, mine: mine.count, everyone: everyone.count };
}
