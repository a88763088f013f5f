/** How jobs read in the terminal: a table row per job, and the detail of one job. */
import type { Job, JobAttempt, JobLogLine, JobProgress } from "../sdk/src/index.ts";
import { formatTime, span, table } from "./output.ts";

/** `40% Processed 2/5`, or `-` before the first report. */
export function progressText(progress: JobProgress | null | undefined): string {
  if (!progress) return "-";
  return `${progress.percent}%${progress.message ? ` ${progress.message}` : ""}`;
}

/** Runs started out of the runs allowed (`max_retries + 1`); crash recoveries count too. */
function attemptText(job: Job): string {
  return `${job.attempt ?? 0}/${job.max_retries + 1}`;
}

/** Run time: start to end, or to now while running; `-` before it started. */
function durationText(job: Job): string {
  if (!job.started_at) return "-";
  if (job.completed_at) return span(job.started_at, job.completed_at);
  return job.status === "running" ? `${span(job.started_at)}+` : "-";
}

export function jobsTable(jobs: Job[]): string {
  return table(
    ["ID", "NAME", "NAMESPACE", "STATUS", "PROGRESS", "ATTEMPT", "CREATED", "DURATION"],
    jobs.map((job) => [
      job.id,
      job.job_name,
      job.namespace,
      job.status,
      job.progress ? `${job.progress.percent}%` : "-",
      attemptText(job),
      formatTime(job.created_at),
      durationText(job),
    ]),
  );
}

/** `label: value` lines for one job; empty fields are left out. */
export function jobDetail(job: Job): string {
  const submitter = job.user_email ?? job.created_by ?? job.user_role ?? "-";
  const rows: [string, string | null][] = [
    ["id", job.id],
    ["function", `${job.job_name} (namespace ${job.namespace})`],
    ["status", job.cancel_mode ? `${job.status} (${job.cancel_mode} requested)` : job.status],
    ["progress", job.progress ? progressText(job.progress) : null],
    ["attempt", `${attemptText(job)} (retries ${job.retry_count} of ${job.max_retries})`],
    ["priority", String(job.priority)],
    ["submitted", `${formatTime(job.created_at)} by ${submitter}`],
    ["scheduled", job.scheduled_at ? formatTime(job.scheduled_at) : null],
    ["started", job.started_at ? formatTime(job.started_at) : null],
    ["finished", job.completed_at ? `${formatTime(job.completed_at)} (took ${durationText(job)})` : null],
    ["worker", job.worker_id],
    ["error", job.error_message],
    ["payload", JSON.stringify(job.payload ?? {})],
    ["result", job.result === undefined || job.result === null ? null : JSON.stringify(job.result)],
  ];
  return rows
    .filter((row): row is [string, string] => row[1] !== null)
    .map(([label, value]) => `${`${label}:`.padEnd(11)}${value}\n`)
    .join("");
}

/** The attempts of a job, as `fluxbase jobs get` shows them after its detail. */
export function attemptsTable(attempts: JobAttempt[]): string {
  return `attempts:\n${table(
    ["#", "OUTCOME", "STARTED", "TOOK", "ERROR"],
    attempts.map((a) => [
      String(a.attempt),
      a.outcome ?? "running",
      formatTime(a.started_at),
      a.finished_at ? span(a.started_at, a.finished_at) : "-",
      a.error_message ? a.error_message.split("\n")[0]!.slice(0, 80) : "",
    ]),
  )}`;
}

/** `2026-11-23T18:00:43Z INFO  message`, with the attempt when it is not the first. */
export function logLine(line: JobLogLine): string {
  const attempt = line.attempt > 1 ? `[attempt ${line.attempt}] ` : "";
  return `${formatTime(line.timestamp)} ${line.level.toUpperCase().padEnd(5)} ${attempt}${line.message}\n`;
}
