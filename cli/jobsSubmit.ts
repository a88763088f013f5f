/**
 * `fluxbase jobs submit <name>`: maps flags onto `client.jobs.submit`; with `--wait`, follows the job
 * (`client.jobs.waitFor`) with a live progress line (progressView.ts) and exits 1 unless it completed.
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import type { Job } from "../sdk/src/index.ts";
import { cliClient } from "./cliClient.ts";
import { CliError, intFlag, unwrap } from "./cliErrors.ts";
import { act, type ConnectionFlags, type OutputFlags, wantsJson } from "./commandKit.ts";
import { INTERRUPTED, untilInterrupted } from "./interrupt.ts";
import { print, printJson, span } from "./output.ts";
import { createProgressView } from "./progressView.ts";

interface SubmitFlags extends ConnectionFlags, OutputFlags {
  payload?: string;
  payloadFile?: string;
  namespace?: string;
  priority?: string;
  delay?: string;
  at?: string;
  maxRetries?: string;
  runTimeout?: string;
  backoff?: string;
  idempotencyKey?: string;
  dedupeKey?: string;
  replace?: boolean;
  wait?: boolean;
  timeout?: string;
  notify?: boolean;
}

export function submitCommand(): Command {
  return new Command("submit")
    .description("Submit a job of the function <name>")
    .argument("<name>")
    .option("--payload <json>", "The payload, a JSON object (default {})")
    .option("--payload-file <file>", 'Read the payload from a file ("-" reads stdin)')
    .option("--namespace <ns>", 'The function\'s namespace (default "default")')
    .option("--priority <n>", "Higher runs first, -1000 to 1000 (default 0)")
    .option("--delay <seconds>", "Run no earlier than this many seconds from now")
    .option("--at <time>", "Run no earlier than this time (ISO 8601, e.g. 2026-12-24T08:00:00Z)")
    .option("--max-retries <n>", "Retries of this job, at most the function's own")
    .option("--run-timeout <seconds>", "Seconds this job may run, at most the function's own")
    .option("--backoff <base_ms,max_ms>", "Delay before each retry: base_ms first, doubling up to max_ms")
    .option("--idempotency-key <key>", "Submitting again with the same key returns the first job")
    .option("--dedupe-key <key>", "While a pending job has this key, answer it instead of adding another")
    .option("--replace", "With --dedupe-key: give the pending job this payload and run time")
    .option("--wait", "Show progress until the job ends; exit 1 unless it completed")
    .option("--notify", "Mail the submitter (the token's email) when the job ends")
    .option("--timeout <seconds>", "With --wait: stop waiting after this long, exit 124 (default: no limit)")
    .addHelpText(
      "after",
      "\nWith --wait on a terminal, a live line shows the progress bar, message and elapsed time; Ctrl-C\n" +
        "stops waiting (the job keeps running). With -o json, stdout holds only the final job.",
    )
    .action(act(submit));
}

async function submit(name: string, flags: SubmitFlags): Promise<number> {
  const json = wantsJson(flags);
  const payload = readPayload(flags.payload, flags.payloadFile);
  const options = {
    namespace: flags.namespace,
    priority: intFlag("priority", flags.priority),
    delaySeconds: intFlag("delay", flags.delay),
    scheduledAt: timeFlag(flags.at),
    maxRetries: intFlag("max-retries", flags.maxRetries),
    timeout: intFlag("run-timeout", flags.runTimeout),
    backoff: backoffFlag(flags.backoff),
    idempotencyKey: flags.idempotencyKey,
    dedupeKey: flags.dedupeKey,
    dedupe: flags.replace ? ("replace" as const) : undefined,
    notify: flags.notify,
  };
  if (flags.replace && flags.dedupeKey === undefined) throw new CliError("--replace goes with --dedupe-key");
  const timeout = intFlag("timeout", flags.timeout);
  if (timeout !== undefined && !flags.wait) throw new CliError("--timeout goes with --wait");
  const client = await cliClient(flags);
  const job = unwrap(await client.jobs.submit(name, payload, options));
  if (!flags.wait) {
    if (json) printJson(job);
    else print(`Submitted job ${job.id} (${job.job_name}, namespace ${job.namespace}, ${job.status})`);
    return 0;
  }
  // With JSON, stdout holds only the final job; what happens meanwhile goes to stderr.
  const out = json ? process.stderr : process.stdout;
  out.write(`Submitted job ${job.id} (${job.job_name}, namespace ${job.namespace})\n`);
  const view = createProgressView({ out, plainProgress: true, notes: out });
  let last: Job = job;
  const waited = await untilInterrupted(
    () => last,
    view,
    (signal) =>
      client.jobs.waitFor(job.id, {
        timeoutMs: (timeout ?? 0) * 1000,
        signal,
        onUpdate: (update) => {
          last = update;
          view.update(update);
        },
      }),
  );
  if (waited === "interrupted") return INTERRUPTED;
  if (waited.error?.code === "TIMEOUT") {
    throw new CliError(
      `job ${job.id} did not finish within ${timeout}s (it is ${last.status}); ` +
        `cancel with: fluxbase jobs cancel ${job.id}`,
      124,
    );
  }
  const done = unwrap(waited);
  if (json) printJson(done);
  else {
    const took = done.started_at ? ` in ${span(done.started_at, done.completed_at)}` : "";
    print(`Job ${done.id} ${done.status}${took}${done.error_message ? `: ${done.error_message}` : ""}`);
    if (done.status === "completed" && done.result !== undefined && done.result !== null) {
      print(`Result: ${JSON.stringify(done.result)}`);
    }
  }
  return done.status === "completed" ? 0 : 1;
}

/** --at as an ISO time the server accepts; a typo fails before anything is sent. */
function timeFlag(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const at = new Date(text);
  if (Number.isNaN(at.getTime()))
    throw new CliError(`--at expects a time such as 2026-12-24T08:00:00Z; got ${text}`);
  return at.toISOString();
}

/** --backoff "base_ms,max_ms". */
function backoffFlag(text: string | undefined): { baseMs: number; maxMs: number } | undefined {
  if (text === undefined) return undefined;
  const match = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(text);
  if (!match) throw new CliError(`--backoff expects base_ms,max_ms such as 500,60000; got ${text}`);
  return { baseMs: Number(match[1]), maxMs: Number(match[2]) };
}

/**
 * The payload from --payload or --payload-file ("-": stdin), parsed here so a typo fails before
 * submitting; whether it is an acceptable payload is the server's call (VALIDATION_ERROR).
 */
export function readPayload(text: string | undefined, file: string | undefined): object | undefined {
  if (text !== undefined && file !== undefined)
    throw new CliError("give --payload or --payload-file, not both");
  let source = text;
  let what = "--payload";
  if (file !== undefined) {
    what = file === "-" ? "the payload on stdin" : file;
    try {
      source = readFileSync(file === "-" ? 0 : file, "utf8");
    } catch (error) {
      throw new CliError(`cannot read --payload-file ${file}: ${(error as Error).message}`);
    }
  }
  if (source === undefined) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(source);
  } catch (error) {
    throw new CliError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
  return payload as object;
}
