/**
 * `fluxbase jobs submit <name>`: maps flags onto `client.jobs.submit`; with `--wait`, follows the job
 * with `client.jobs.waitFor`, printing each progress report, and exits 1 unless it completed.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Job } from "../sdk/src/index.ts";
import { cliClient, connectionFlags } from "./cliClient.ts";
import { CliError, expectPositionals, intFlag, unwrap } from "./cliErrors.ts";
import { print, printJson, span } from "./output.ts";

export async function submitCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...connectionFlags,
      payload: { type: "string" },
      "payload-file": { type: "string" },
      namespace: { type: "string" },
      priority: { type: "string" },
      delay: { type: "string" },
      wait: { type: "boolean", default: false },
      timeout: { type: "string" },
      json: { type: "boolean", default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const [name] = expectPositionals(positionals, ["name"], "jobs submit");
  const payload = readPayload(values.payload, values["payload-file"]);
  const options = {
    namespace: values.namespace,
    priority: intFlag("priority", values.priority),
    delaySeconds: intFlag("delay", values.delay),
  };
  const timeout = intFlag("timeout", values.timeout);
  if (timeout !== undefined && !values.wait) throw new CliError("--timeout goes with --wait");
  const client = await cliClient(values);
  const job = unwrap(await client.jobs.submit(name!, payload, options));
  if (!values.wait) {
    if (values.json) printJson(job);
    else print(`Submitted job ${job.id} (${job.job_name}, namespace ${job.namespace}, ${job.status})`);
    return 0;
  }
  // With --json, stdout holds only the final job; progress goes to stderr.
  const say = (line: string) => (values.json ? process.stderr : process.stdout).write(`${line}\n`);
  say(`Submitted job ${job.id} (${job.job_name}, namespace ${job.namespace})`);
  const done: Job = unwrap(
    await client.jobs.waitFor(job.id, {
      timeoutMs: (timeout ?? 0) * 1000,
      onProgress: (progress) =>
        say(`[${String(progress.percent).padStart(3)}%] ${progress.message ?? ""}`.trimEnd()),
    }),
  );
  if (values.json) printJson(done);
  else {
    const took = done.started_at ? ` in ${span(done.started_at, done.completed_at)}` : "";
    print(`Job ${done.id} ${done.status}${took}${done.error_message ? `: ${done.error_message}` : ""}`);
    if (done.status === "completed" && done.result !== undefined && done.result !== null) {
      print(`Result: ${JSON.stringify(done.result)}`);
    }
  }
  return done.status === "completed" ? 0 : 1;
}

/**
 * The payload from --payload or --payload-file ("-": stdin), parsed here so a typo fails before
 * submitting; whether it is an acceptable payload is the server's call (VALIDATION_ERROR).
 */
function readPayload(text: string | undefined, file: string | undefined): object | undefined {
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
