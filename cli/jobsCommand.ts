/**
 * `fluxbase jobs list|get|logs|submit|cancel|terminate|retry|resubmit|stats`: maps flags onto
 * `client.jobs` and `client.admin.jobs` of the SDK, against a running server.
 */
import { Command, Option } from "commander";
import type { Job, JobStatus, JobStatusCounts } from "../sdk/src/index.ts";
import { cliClient } from "./cliClient.ts";
import { intFlag, unwrap } from "./cliErrors.ts";
import {
  act,
  type ConnectionFlags,
  commandGroup,
  type OutputFlags,
  wantsJson,
  withConnection,
  withOutput,
} from "./commandKit.ts";
import { attemptsTable, jobDetail, jobsTable } from "./jobOutput.ts";
import { logsCommand } from "./jobsLogs.ts";
import { submitCommand } from "./jobsSubmit.ts";
import { formatDuration, print, printJson, table } from "./output.ts";

type Flags = ConnectionFlags & OutputFlags;

export function jobsCommand(): Command {
  const group = commandGroup("jobs", "List, submit and manage jobs on a running server");
  const add = (command: Command) => group.addCommand(withConnection(withOutput(command)));
  add(
    new Command("list")
      .description("List jobs, newest first")
      .addOption(
        new Option("--status <status>", "Only jobs in this status").choices([
          "pending",
          "running",
          "completed",
          "failed",
          "cancelled",
        ]),
      )
      .option("--name <function>", "Only jobs of this function")
      .option("--namespace <ns>", "Only jobs of this namespace")
      .option("--limit <n>", "Page size, 1 to 200 (default 50)")
      .option("--offset <n>", "Jobs to skip (default 0)")
      .option("--all-users", "Every user's jobs, through the admin API")
      .action(act(listJobs)),
  );
  add(
    new Command("get")
      .description("Show one job with its payload and result")
      .argument("<id>")
      .action(act(getJob)),
  );
  add(logsCommand());
  add(submitCommand());
  const actions: [keyof typeof pastTense, string][] = [
    ["cancel", "Cancel a pending or running job (the handler sees job.signal abort)"],
    ["terminate", "Cancel a job and kill its sandbox at once"],
    ["retry", "Put a failed job back to pending (same id)"],
    ["resubmit", "Submit a new job with the same function, payload and submitter"],
  ];
  for (const [name, description] of actions) {
    add(
      new Command(name)
        .description(description)
        .argument("<id>")
        .action(act((id: string, flags: Flags) => jobAction(name, id, flags))),
    );
  }
  add(
    new Command("stats")
      .description("Job counts per status, overall and per function")
      .option("--namespace <ns>", "Only this namespace")
      .action(act(jobStats)),
  );
  return group;
}

interface ListFlags extends Flags {
  status?: JobStatus;
  namespace?: string;
  name?: string;
  limit?: string;
  offset?: string;
  allUsers?: boolean;
}

async function listJobs(values: ListFlags): Promise<number> {
  const filter = {
    status: values.status,
    namespace: values.namespace,
    jobName: values.name,
    limit: intFlag("limit", values.limit),
    offset: intFlag("offset", values.offset),
  };
  const client = await cliClient(values);
  const page = values.allUsers ? await client.admin.jobs.listJobs(filter) : await client.jobs.list(filter);
  const jobs = unwrap(page);
  if (wantsJson(values)) {
    printJson({ jobs, total: page.count });
    return 0;
  }
  if (jobs.length === 0) {
    print(page.count ? `No jobs on this page (${page.count} in all).` : "No jobs.");
    return 0;
  }
  process.stdout.write(jobsTable(jobs));
  const first = (filter.offset ?? 0) + 1;
  if (page.count! > jobs.length) print(`(${first}-${first + jobs.length - 1} of ${page.count})`);
  return 0;
}

async function getJob(id: string, values: Flags): Promise<number> {
  const client = await cliClient(values);
  const job = unwrap(await client.jobs.get(id));
  if (wantsJson(values)) {
    printJson(job);
    return 0;
  }
  process.stdout.write(jobDetail(job));
  // The history, when there was more than the one attempt the detail already shows.
  const attempts = await client.jobs.getAttempts(id);
  if (attempts.data && attempts.data.length > 1) process.stdout.write(attemptsTable(attempts.data));
  return 0;
}

const pastTense = { cancel: "Cancelled", terminate: "Terminated", retry: "Retried", resubmit: "Resubmitted" };

/** cancel and retry act as the caller (a user's own jobs with --token); terminate and resubmit are admin. */
async function jobAction(command: keyof typeof pastTense, id: string, values: Flags): Promise<number> {
  const client = await cliClient(values);
  const run: Record<typeof command, (id: string) => ReturnType<typeof client.jobs.get>> = {
    cancel: (jobId) => client.jobs.cancel(jobId),
    retry: (jobId) => client.jobs.retry(jobId),
    terminate: (jobId) => client.admin.jobs.terminate(jobId),
    resubmit: (jobId) => client.admin.jobs.resubmit(jobId),
  };
  const job: Job = unwrap(await run[command](id));
  if (wantsJson(values)) printJson(job);
  else if (command === "resubmit") print(`Resubmitted job ${id} as ${job.id} (${job.status})`);
  else print(`${pastTense[command]} job ${job.id} (${job.job_name}, now ${job.status})`);
  return 0;
}

async function jobStats(values: Flags & { namespace?: string }): Promise<number> {
  const stats = unwrap(await (await cliClient(values)).admin.jobs.getStats(values.namespace));
  if (wantsJson(values)) {
    printJson(stats);
    return 0;
  }
  const counts = (c: JobStatusCounts) =>
    [c.pending, c.running, c.completed, c.failed, c.cancelled, c.total].map(String);
  const header = ["PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", "TOTAL"];
  const average = stats.avg_duration_seconds;
  process.stdout.write(
    table(
      ["NAMESPACE", "FUNCTION", ...header],
      [
        ...stats.by_function.map((f) => [
          f.namespace,
          f.paused ? `${f.job_name} (paused)` : f.job_name,
          ...counts(f),
        ]),
        [values.namespace ?? "(all)", "(all)", ...counts(stats)],
      ],
    ),
  );
  print(`Mean run time of completed jobs: ${average === null ? "-" : formatDuration(average * 1000)}`);
  return 0;
}
