/** One job: its state, payload, result or error, progress, attempts and logs, with the actions its status allows. */
import { ago, json, problem, when } from "../format.js";
import { html, useEffect, useState } from "../html.js";
import { useLive } from "../session.js";

/** What each status allows, as the server decides it. */
const actions = {
  pending: ["cancel"],
  running: ["cancel", "terminate"],
  failed: ["retry", "resubmit"],
  cancelled: ["retry", "resubmit"],
  completed: ["resubmit"],
};

export function JobPage({ client, id }) {
  const [state, setState] = useState(null);
  const [message, setMessage] = useState("");
  const reload = useLive(async () => {
    const [job, logs, attempts] = await Promise.all([
      client.admin.jobs.getJob(id),
      client.jobs.getLogs(id),
      client.jobs.getAttempts(id),
    ]);
    if (job.error) return setMessage(problem(job.error));
    setState({ job: job.data, logs: logs.data ?? [], attempts: attempts.data ?? [] });
  }, [id]);
  // New log lines wake the page up at once (jobs.logs over realtime, filtered to this job).
  useEffect(() => {
    const filter = { event: "INSERT", schema: "jobs", table: "logs", filter: `job_id=eq.${id}` };
    const channel = client.realtime.channel(`job-logs:${id}`).on("postgres_changes", filter, () => reload());
    channel.subscribe();
    return () => void channel.unsubscribe();
  }, [id]);
  const act = async (action) => {
    const { data, error } = await client.admin.jobs[action](id);
    setMessage(error ? problem(error) : `${action}: done`);
    if (data && action === "resubmit") location.hash = `#/jobs/${data.id}`;
    reload();
  };
  if (!state) return html`<p role="status">${message || "Loading…"}</p>`;
  const { job, logs, attempts } = state;
  return html`<section aria-labelledby="job-title" class="job-page">
    <p><a href="#/jobs">← Jobs</a></p>
    <h1 id="job-title">${job.namespace}/${job.job_name}</h1>
    <dl class="facts">
      <dt>Id</dt><dd><code>${job.id}</code></dd>
      <dt>Status</dt><dd class=${`status status-${job.status}`} data-field="status">${job.status}</dd>
      <dt>Progress</dt><dd>${job.progress ? `${job.progress.percent}% ${job.progress.message ?? ""}` : "—"}</dd>
      <dt>User</dt><dd>${job.user_email ?? job.created_by ?? "—"}</dd>
      <dt>Trigger</dt><dd>${job.trigger}</dd>
      <dt>Attempt</dt><dd>${job.retry_count + 1} of ${job.max_retries + 1}</dd>
      <dt>Created</dt><dd>${when(job.created_at)} (${ago(job.created_at)})</dd>
      <dt>Finished</dt><dd>${when(job.completed_at)}</dd>
    </dl>
    <div class="actions" role="group" aria-label="Actions">
      ${(actions[job.status] ?? []).map(
        (action) =>
          html`<button type="button" data-action=${action} onClick=${() => act(action)}>${action}</button>`,
      )}
    </div>
    ${message && html`<p role="status" class="message">${message}</p>`}
    ${job.error_message && html`<h2>Error</h2><pre class="error" data-field="error">${job.error_message}</pre>`}
    <h2>Payload</h2><pre data-field="payload">${json(job.payload)}</pre>
    <h2>Result</h2><pre data-field="result">${json(job.result)}</pre>
    <h2>Attempts</h2>
    <div class="scroll" tabindex="0"><table><thead><tr><th scope="col">#</th><th scope="col">Outcome</th><th scope="col">Started</th><th scope="col">Error</th></tr></thead>
      <tbody>${attempts.map(
        (a) =>
          html`<tr class="attempt"><td>${a.attempt}</td><td>${a.outcome ?? "running"}</td><td>${when(a.started_at)}</td><td>${a.error_message ?? ""}</td></tr>`,
      )}</tbody></table></div>
    <h2>Logs</h2>
    <pre class="logs" data-field="logs">${logs.map((l) => `${l.level.padEnd(5)} ${l.message}`).join("\n") || "no lines yet"}</pre>
  </section>`;
}
