/**
 * Saves each item as a note of the job's user, reporting progress and stopping early when cancelled.
 * Needs the table of docs/examples/app-notes.sql.
 * @fluxbase:description Imports items as the user's notes
 * @fluxbase:timeout 300
 */
import type { JobHandler } from "@fluxbase/sdk/job";

export const handler: JobHandler = async (_req, fluxbase, fluxbaseService, job) => {
  const context = job.getJobContext(); // { job_id, job_name, namespace, retry_count, payload, user }
  const { items } = job.getJobPayload<{ items: string[] }>();

  for (let i = 0; i < items.length; i++) {
    if (job.checkCancellation()) return { cancelled: true, imported: i };
    // RLS applies to `fluxbase`, the job's user: each note becomes theirs.
    const { error } = await fluxbase.from("app.notes").insert({ body: items[i] });
    if (error) throw new Error(`Could not save item ${i + 1}: ${error.message}`);
    job.reportProgress(Math.floor(((i + 1) / items.length) * 100), `Imported ${i + 1}/${items.length}`);
  }

  // `fluxbaseService` has the service role and bypasses RLS: it counts every user's notes.
  const all = await fluxbaseService.from("app.notes").select("id", { count: "exact", head: true });
  return { imported: items.length, user: context.user?.email, notes_of_everyone: all.count };
};
