/** The read-only pages: workers, webhooks and storage buckets. */
import { ago, bytes } from "../format.js";
import { html } from "../html.js";
import { useRows } from "../session.js";

export function Workers({ client }) {
  const { rows, message } = useRows(() => client.admin.jobs.listWorkers());
  return html`<section aria-labelledby="workers-title">
    <h1 id="workers-title">Workers</h1>
    ${message && html`<p role="alert">${message}</p>`}
    <div class="scroll" tabindex="0"><table>
      <thead><tr><th scope="col">Worker</th><th scope="col">Status</th><th scope="col">Jobs</th><th scope="col">Host</th><th scope="col">Heartbeat</th></tr></thead>
      <tbody>${rows.map(
        (w) => html`<tr class="worker" data-id=${w.id}><th scope="row">${w.name}</th><td>${w.status}</td>
          <td>${w.current_job_count}/${w.max_concurrent_jobs}</td><td>${w.hostname}:${w.pid}</td><td>${ago(w.last_heartbeat_at)}</td></tr>`,
      )}</tbody>
    </table></div>
  </section>`;
}

export function Webhooks({ client }) {
  const { rows, message } = useRows(() => client.admin.webhooks.list());
  return html`<section aria-labelledby="webhooks-title">
    <h1 id="webhooks-title">Webhooks</h1>
    ${message && html`<p role="alert">${message}</p>`}
    <div class="scroll" tabindex="0"><table>
      <thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">State</th><th scope="col">Failures in a row</th></tr></thead>
      <tbody>${rows.map(
        (
          w,
        ) => html`<tr class="webhook" data-id=${w.id}><th scope="row">${w.url}</th><td>${w.events.join(", ")}</td>
          <td>${w.enabled ? "enabled" : `disabled${w.disabled_reason ? `: ${w.disabled_reason}` : ""}`}</td><td>${w.consecutive_failures}</td></tr>`,
      )}</tbody>
    </table></div>
  </section>`;
}

export function Storage({ client }) {
  const { rows, message } = useRows(() => client.admin.storage.buckets());
  return html`<section aria-labelledby="storage-title">
    <h1 id="storage-title">Storage</h1>
    ${message && html`<p role="alert">${message}</p>`}
    <div class="scroll" tabindex="0"><table>
      <thead><tr><th scope="col">Bucket</th><th scope="col">Access</th><th scope="col">Objects</th><th scope="col">Size</th><th scope="col">Limits</th></tr></thead>
      <tbody>${rows.map(
        (
          b,
        ) => html`<tr class="bucket" data-id=${b.id}><th scope="row">${b.id}</th><td>${b.public ? "public" : "private"}</td>
          <td>${b.objects}</td><td>${bytes(b.bytes)}</td>
          <td>${b.file_size_limit ? `≤ ${bytes(b.file_size_limit)}` : "server limit"} · ${b.allowed_mime_types?.join(", ") ?? "any type"}</td></tr>`,
      )}</tbody>
    </table></div>
  </section>`;
}
