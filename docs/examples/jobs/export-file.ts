/**
 * Downloads a user's file from storage, processes it, and uploads the result next to their other
 * exports, as the user (their storage policies apply). Needs the buckets `temp-files` and `exports`.
 * @fluxbase:description Turns an uploaded text file into a JSON summary
 * @fluxbase:timeout 120
 */
import type { FluxbaseClient, JobUtils } from "@fluxbase/sdk";

/** Counts the lines and words of a text file and keeps its longest line. */
async function processFile(file: Blob) {
  const lines = (await file.text()).split("\n").filter((line) => line.trim() !== "");
  const words = lines.reduce((sum, line) => sum + line.split(/\s+/).filter(Boolean).length, 0);
  const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), "");
  return { lines: lines.length, words, longest };
}

export async function handler(
  _req: Request,
  fluxbase: FluxbaseClient,
  _fluxbaseService: FluxbaseClient,
  job: JobUtils,
) {
  const context = job.getJobContext();
  const { source_file } = context.payload as { source_file: string };

  job.reportProgress(10, "Downloading source file...");
  // Download the file from the user's storage (their policies apply: another user's file is not found)
  const { data: fileData, error } = await fluxbase.storage.from("temp-files").download(source_file);
  if (error) throw new Error(`Failed to download ${source_file}: ${error.message}`);

  job.reportProgress(50, "Processing file...");
  const processed = await processFile(fileData);

  job.reportProgress(80, "Uploading result...");
  // Upload the result to the user's storage: the object is theirs
  const resultBlob = new Blob([JSON.stringify(processed)], { type: "application/json" });
  const output_file = `results/${context.job_id}.json`;
  const uploaded = await fluxbase.storage.from("exports").upload(output_file, resultBlob);
  if (uploaded.error) throw new Error(`Failed to upload the result: ${uploaded.error.message}`);

  job.reportProgress(100, "Complete");
  return { success: true, output_file, ...processed };
}
