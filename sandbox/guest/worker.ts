/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * The job Worker: the isolate the job's code runs in. It installs the `secrets` global and console
 * levels, imports the job bundle, calls its entry point with the request, the two SDK clients and
 * `job`, and posts the outcome to the main thread (which alone can write frames).
 */
import { createClient } from "@fluxbase/sdk";
import { installConsoleLevels } from "./consoleLevels.ts";
import { createJobUtils } from "./jobUtils.ts";
import type { FromWorker, ToWorker } from "./messages.ts";
import { describeThrown, pickEntry, serialiseResult } from "./runEntry.ts";
import { createSecrets } from "./secrets.ts";

const post = (message: FromWorker) => self.postMessage(message);
let onCancel = () => {};

// A job that calls Deno.exit() or close() would otherwise end this Worker silently and leave the
// main thread waiting for a result until the host's timeout.
const realExit = Deno.exit;
Deno.exit = ((code?: number) => {
  post({ t: "exit", code: code ?? 0 });
  realExit(code);
}) as typeof Deno.exit;
const realClose = self.close.bind(self);
self.close = () => {
  post({ t: "exit", code: 0 });
  realClose();
};

installConsoleLevels();

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.t === "cancel") return onCancel();
  if (message.t === "start") void run(message);
};

type Start = Extract<ToWorker, { t: "start" }>;

async function run(start: Start): Promise<void> {
  const { context, serverUrl } = start;
  (globalThis as { secrets?: unknown }).secrets = createSecrets(start.secrets);
  const control = createJobUtils(context, start.cancelFlag, start.deadline, post);
  onCancel = control.cancelled;

  let outcome: FromWorker;
  try {
    const entry = pickEntry(await import(start.codeUrl));
    if (typeof entry === "string") throw new Error(entry);
    const fluxbase = start.userToken === null ? null : createClient(serverUrl, start.userToken);
    const fluxbaseService = createClient(serverUrl, start.serviceToken);
    post({ t: "ready" });
    const value =
      entry.kind === "main"
        ? await entry.fn(context.payload, fluxbase, fluxbaseService, control.job)
        : await entry.fn(jobRequest(serverUrl, context), fluxbase, fluxbaseService, control.job);
    const serialised = serialiseResult(value, start.maxResultBytes);
    outcome =
      "json" in serialised
        ? { t: "result", json: serialised.json }
        : { t: "error", message: serialised.error };
  } catch (thrown) {
    outcome = { t: "error", ...describeThrown(thrown) };
  }
  post(outcome);
}

/** The `req` argument: a POST of the payload to the job's URL, as an HTTP-triggered function would get. */
function jobRequest(serverUrl: string, context: Start["context"]): Request {
  const url = `${serverUrl.replace(/\/+$/, "")}/jobs/${encodeURIComponent(context.job_name)}`;
  return new Request(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(context.payload ?? null),
  });
}
