/**
 * `fluxbase jobs list|get|logs|submit|cancel|terminate|retry|resubmit|stats`: maps flags onto
 * `client.jobs` and `client.admin.jobs` of the SDK, against a running server.
 */
import { parseArgs } from "node:util";
import type { Job, JobStatus, JobStatusCounts } from "../sdk/src/index.ts";
import { cliClient, connectionFlags } from "./cliClient.ts";
import { expectPositionals, intFlag, unwrap } from "./cliErrors.ts";
import { runCommandGroup } from "./commandGroup.ts";
import { jobDetail, jobsTable } from "./jobOutput.ts";
import { logsCommand } from "./jobsLogs.ts";
import { submitCommand } from "./jobsSubmit.ts";
import { formatDuration, print, printJson, table } from "./output.ts";

export const jobsUsage = `Usage: fluxbase jobs <command> [options]

Commands:
  list                    List jobs, newest first
  get <id>                Show one job with its payload and result
  logs <id>               Print a job's log lines
  submit <name>           Submit a job of the function <name>
  cancel <id>             Cancel a pending or running job (the handler sees job.signal abort)
  terminate <id>          Cancel a job and kill its sandbox at once
  retry <id>              Put a failed job back to pending (same id)
  resubmit <id>           Submit a new job with the same function, payload and submitter
  stats                   Job counts per status, overall and per function

Options:
  --status <status>       list: pending, running, completed, failed or cancelled
  --name <function>       list: only jobs of this function
  --namespace <ns>        list, submit, stats: one namespace (submit: default "default")
  --limit <n>             list: page size, 1 to 200 (default 50)
  --offset <n>            list: jobs to skip (default 0)
  --all-users             list: every user's jobs, through the admin API
  --follow                logs: keep printing new lines until the job ends
  --payload <json>        submit: the payload, a JSON object (default {})
  --payload-file <file>   submit: read the payload from a file ("-" reads stdin)
  --priority <n>          submit: higher runs first, -1000 to 1000 (default 0)
  --delay <seconds>       submit: run no earlier than this many seconds from now
  --wait                  submit: print progress until the job ends; exit 1 unless it completed
  --timeout <seconds>     submit --wait: stop waiting after this long (default: no limit)
  --json                  Print JSON instead of text
  --url <url>             Server URL (default: FLUXBASE_URL, else the configured host and port)
  --token <jwt>           Act as this user (default: the service key)
`;

export function jobsCommand(args: string[]): Promise<number> {
  return runCommandGroup(
    "jobs",
    jobsUsage,
    {
      list: listCommand,
      get: getCommand,
      logs: logsCommand,
      submit: submitCommand,
      cancel: (rest) => actionCommand("cancel", rest),
      terminate: (rest) => actionCommand("terminate", rest),
      retry: (rest) => actionCommand("retry", rest),
      resubmit: (rest) => actionCommand("resubmit", rest),
      stats: statsCommand,
    },
    args,
  );
}

async function listCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...connectionFlags,
      status: { type: "string" },
      namespace: { type: "string" },
      name: { type: "string" },
      limit: { type: "string" },
      offset: { type: "string" },
      "all-users": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  expectPositionals(positionals, [], "jobs list");
  const filter = {
    status: values.status as JobStatus | undefined,
    namespace: values.namespace,
    jobName: values.name,
    limit: intFlag("limit", values.limit),
    offset: intFlag("offset", values.offset),
  };
  const client = await cliClient(values);
  const page = values["all-users"]
    ? await client.admin.jobs.listJobs(filter)
    : await client.jobs.list(filter);
  const jobs = unwrap(page);
  if (values.json) {
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

async function getCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...connectionFlags, json: { type: "boolean", default: false } },
    allowPositionals: true,
    strict: true,
  });
  const [id] = expectPositionals(positionals, ["id"], "jobs get");
  const job = unwrap(await (await cliClient(values)).jobs.get(id!));
  if (values.json) printJson(job);
  else process.stdout.write(jobDetail(job));
  return 0;
}

const pastTense = { cancel: "Cancelled", terminate: "Terminated", retry: "Retried", resubmit: "Resubmitted" };

/** cancel and retry act as the caller (a user's own jobs with --token); terminate and resubmit are admin. */
async function actionCommand(command: keyof typeof pastTense, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...connectionFlags, json: { type: "boolean", default: false } },
    allowPositionals: true,
    strict: true,
  });
  const [id] = expectPositionals(positionals, ["id"], `jobs ${command}`);
  const client = await cliClient(values);
  const act: Record<typeof command, (id: string) => ReturnType<typeof client.jobs.get>> = {
    cancel: (jobId) => client.jobs.cancel(jobId),
    retry: (jobId) => client.jobs.retry(jobId),
    terminate: (jobId) => client.admin.jobs.terminate(jobId),
    resubmit: (jobId) => client.admin.jobs.resubmit(jobId),
  };
  const job: Job = unwrap(await act[command](id!));
  if (values.json) printJson(job);
  else if (command === "resubmit") print(`Resubmitted job ${id} as ${job.id} (${job.status})`);
  else print(`${pastTense[command]} job ${job.id} (${job.job_name}, now ${job.status})`);
  return 0;
}

async function statsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...connectionFlags,
      namespace: { type: "string" },
      json: { type: "boolean", default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  expectPositionals(positionals, [], "jobs stats");
  const stats = unwrap(await (await cliClient(values)).admin.jobs.getStats(values.namespace));
  if (values.json) {
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
        ...stats.by_function.map((f) => [f.namespace, f.job_name, ...counts(f)]),
        [values.namespace ?? "(all)", "(all)", ...counts(stats)],
      ],
    ),
  );
  print(`Mean run time of completed jobs: ${average === null ? "-" : formatDuration(average * 1000)}`);
  return 0;
}
