// A browser page's script, bundled from the installed package: submit a job and watch it over realtime.
import { createClient } from "@fluxbase/sdk";

const params = new URLSearchParams(location.hash.slice(1));
const out = document.getElementById("out")!;
const say = (line: string) => {
  out.textContent += `${line}\n`;
};

const client = createClient(params.get("api")!, params.get("key")!);
const { data: job, error } = await client.jobs.submit("count-steps", { steps: 3 });
if (error) {
  say(`error ${error.code} ${error.status}`);
} else {
  say(`submitted ${job.status}`);
  const { data: done, error: waitError } = await client.jobs.waitFor(job.id, {
    onProgress: (progress) => say(`progress ${progress.percent} ${progress.message ?? ""}`),
    pollIntervalMs: 60_000, // realtime must carry the progress; polling would only be a slow backstop
    timeoutMs: 60_000,
  });
  say(waitError ? `error ${waitError.code}` : `done ${done.status} ${JSON.stringify(done.result)}`);
}
document.body.dataset.finished = "true";
