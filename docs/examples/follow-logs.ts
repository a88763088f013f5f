// Tail a job's log lines as they are written (realtime on jobs.logs), then read them all back.
import { createClient } from "@fluxbase/sdk";
import WebSocket from "ws";

const client = createClient(process.env.FLUXBASE_URL!, process.env.FLUXBASE_KEY!, {
  realtime: { transport: WebSocket },
});

let jobId = "";
const early: Record<string, any>[] = []; // lines that arrive before the submit has answered
const show = (line: Record<string, any>) => {
  if (line.job_id === jobId) console.log(`live: [${line.level}] ${firstLine(line.message)}`);
};

// Join before submitting, so no line is missed. RLS sends only the lines of your own jobs.
const channel = client.realtime.channel("my-job-logs");
await new Promise<void>((resolve) => {
  channel
    .on("postgres_changes", { event: "INSERT", schema: "jobs", table: "logs" }, (payload) =>
      jobId ? show(payload.new) : early.push(payload.new),
    )
    .subscribe((status) => {
      if (status === "SUBSCRIBED") resolve();
    });
});

const { data: job, error } = await client.jobs.submit("flaky", { fail_times: 1 });
if (error) throw error;
jobId = job.id;
for (const line of early.splice(0)) show(line);

const { data: done } = await client.jobs.waitFor(job.id, { timeoutMs: 60_000 });
await channel.unsubscribe();
console.log(`${done?.status} after ${done?.attempt} attempts`);

// The same lines over HTTP; pass the last line_number you saw to get only newer ones.
const { data: lines } = await client.jobs.getLogs(job.id, 0);
for (const line of lines ?? []) console.log(`${line.line_number}: ${firstLine(line.message)}`);

/** A stack trace is one multi-line message; its first line is enough here. */
function firstLine(message: string): string {
  return message.split("\n")[0]!;
}
