/**
 * One job run, in whichever isolate hosts the job: installs the `secrets` global, imports the job
 * module, calls its entry point with the request and the two SDK clients (all three built on first
 * use) and `job`, and reports the outcome.
 */
import { createJobUtils } from "./jobUtils.ts";
import { lazyObject } from "./lazyObject.ts";
import type { JobMessage, RunInput } from "./messages.ts";
import { describeThrown, pickEntry, serialiseResult } from "./runEntry.ts";
import { createSecrets } from "./secrets.ts";

// `require`, not `import`: esbuild (which always bundles the guest, see host/buildGuest.ts) then wraps
// the SDK in a lazy initialiser, so a run whose job never touches a client does not even evaluate the
// SDK's modules (~1.5 ms of CPU per run). Deno itself has no `require`; the bundle never calls it.
declare const require: (id: "@fluxbase/sdk") => typeof import("@fluxbase/sdk");
const createClient = (url: string, key: string) => require("@fluxbase/sdk").createClient(url, key);

/**
 * Starts the run; returns what to call when a cancel request arrives. `isOver` turns true when the
 * run has ended (warm mode): its clients and secrets then refuse to work, so a later run of the same
 * process cannot use them.
 */
export function startJobRun(
  input: RunInput,
  cancelRequested: () => boolean,
  report: (message: JobMessage) => void,
  isOver: () => boolean = () => false,
): () => void {
  (globalThis as { secrets?: unknown }).secrets = createSecrets(input.secrets, isOver);
  // The run's own identity: the submitter (or anon), carrying the job's tenant.
  const server = { url: input.serverUrl, token: input.userToken ?? input.serviceToken };
  const control = createJobUtils(input.context, cancelRequested, input.deadline, report, server);
  void run(input, control.job, report, isOver);
  return control.cancelled;
}

async function run(
  input: RunInput,
  job: ReturnType<typeof createJobUtils>["job"],
  report: (message: JobMessage) => void,
  isOver: () => boolean,
): Promise<void> {
  const { context, serverUrl, userToken, serviceToken } = input;
  let outcome: JobMessage;
  try {
    const entry = pickEntry(await import(input.codeUrl));
    if (typeof entry === "string") throw new Error(entry);
    const fluxbase = userToken === null ? null : lazyObject(() => createClient(serverUrl, userToken), isOver);
    const fluxbaseService = lazyObject(() => createClient(serverUrl, serviceToken), isOver);
    report({ t: "ready" });
    const value =
      entry.kind === "main"
        ? await entry.fn(context.payload, fluxbase, fluxbaseService, job)
        : await entry.fn(
            lazyObject(() => jobRequest(serverUrl, context), isOver),
            fluxbase,
            fluxbaseService,
            job,
          );
    const serialised = serialiseResult(value, input.maxResultBytes);
    outcome =
      "json" in serialised
        ? { t: "result", json: serialised.json }
        : { t: "error", message: serialised.error };
  } catch (thrown) {
    outcome = { t: "error", ...describeThrown(thrown) };
  }
  report(outcome);
}

/** The `req` argument: a POST of the payload to the job's URL, as an HTTP-triggered function would get. */
function jobRequest(serverUrl: string, context: RunInput["context"]): Request {
  const url = `${serverUrl.replace(/\/+$/, "")}/jobs/${encodeURIComponent(context.job_name)}`;
  return new Request(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(context.payload ?? null),
  });
}
