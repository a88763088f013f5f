// A TypeScript app (NodeNext, strict, no skipLibCheck) against the installed package's types.
import {
  createClient,
  type FluxbaseError,
  type FluxbaseResponse,
  type Job,
  type JobStatus,
  TERMINAL_JOB_STATUSES,
} from "@fluxbase/sdk";

const client = createClient("http://127.0.0.1:8080", "anon-key", { db: { schema: "app" } });

export async function run(): Promise<string> {
  const submitted: FluxbaseResponse<Job> = await client.jobs.submit(
    "count-steps",
    { steps: 3 },
    { priority: 5 },
  );
  if (submitted.error) {
    const error: FluxbaseError = submitted.error;
    return `${error.code} ${error.status}`;
  }
  const id: string = submitted.data.id;
  const { data: done } = await client.jobs.waitFor(id, {
    onProgress: (progress) => console.log(progress.percent, progress.message),
    timeoutMs: 10_000,
  });
  const status: JobStatus | undefined = done?.status;
  const terminal: boolean = status !== undefined && TERMINAL_JOB_STATUSES.includes(status);
  const { data: rows } = await client.from("notes").select("id, body").eq("id", 1);
  client.realtime
    .channel("table:jobs.queue")
    .on("UPDATE", (payload) => console.log(payload.new.id))
    .subscribe();
  return `${terminal} ${rows?.length ?? 0}`;
}
