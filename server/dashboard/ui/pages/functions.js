/** Functions: each job function's kind, state and settings; pause, resume, run now, read its code. */
import { json, problem } from "../format.js";
import { html, useState } from "../html.js";
import { useLive } from "../session.js";

export function Functions({ client }) {
  const [rows, setRows] = useState([]);
  const [message, setMessage] = useState("");
  const [open, setOpen] = useState(null);
  const reload = useLive(async () => {
    const { data, error } = await client.admin.jobs.list();
    if (error) return setMessage(problem(error));
    setRows(data);
  });
  const pause = async (fn, paused) => {
    const target = { namespace: fn.namespace, jobName: fn.name };
    const { error } = paused ? await client.admin.jobs.resume(target) : await client.admin.jobs.pause(target);
    setMessage(error ? problem(error) : `${fn.name} ${paused ? "resumed" : "paused"}`);
    reload();
  };
  return html`<section aria-labelledby="functions-title">
    <h1 id="functions-title">Functions</h1>
    ${message && html`<p role="status" class="message">${message}</p>`}
    <div class="scroll" tabindex="0"><table>
      <thead><tr><th scope="col">Function</th><th scope="col">Kind</th><th scope="col">State</th><th scope="col">Schedule</th><th scope="col">Limits</th><th scope="col">Actions</th></tr></thead>
      <tbody>${rows.map((fn) => {
        const key = `${fn.namespace}/${fn.name}`;
        const problemText = fn.bundle_error || fn.setup_error;
        return html`<tr class="function" data-name=${fn.name}>
          <th scope="row">${key}${fn.description ? html`<br /><small>${fn.description}</small>` : ""}</th>
          <td>${fn.kind}${fn.kind === "handler" ? ` (${fn.run_in})` : ""}</td>
          <td class="state">${[fn.enabled ? "enabled" : "disabled", fn.paused ? "paused" : null].filter(Boolean).join(", ")}
            ${problemText && html`<br /><span class="status-failed">load error: ${problemText}</span>`}</td>
          <td>${fn.schedule ?? "—"}</td>
          <td>${fn.timeout_seconds} s, ${fn.max_retries} retries${fn.concurrency != null ? `, ≤ ${fn.concurrency} at once` : ""}</td>
          <td class="row-actions">
            <button type="button" data-action="pause" onClick=${() => pause(fn, fn.paused)}>${fn.paused ? "resume" : "pause"}</button>
            <button type="button" data-action="open" aria-expanded=${open === key} onClick=${() => setOpen(open === key ? null : key)}>details</button>
          </td>
        </tr>
        ${open === key && html`<tr class="details"><td colspan="6"><${FunctionDetails} client=${client} fn=${fn} onMessage=${setMessage} /></td></tr>`}`;
      })}</tbody>
    </table></div>
  </section>`;
}

function FunctionDetails({ client, fn, onMessage }) {
  const [source, setSource] = useState(null);
  const [payload, setPayload] = useState("{}");
  useLive(async () => {
    const { data } = await client.admin.jobs.get(fn.name, fn.namespace);
    setSource(data?.source ?? null);
  }, [fn.name, fn.namespace]);
  const run = async (event) => {
    event.preventDefault();
    let parsed;
    try {
      parsed = JSON.parse(payload);
    } catch (error) {
      return onMessage(`The payload is not JSON: ${error.message}`);
    }
    const { data, error } = await client.jobs.submit(fn.name, parsed, { namespace: fn.namespace });
    if (error) return onMessage(problem(error));
    location.hash = `#/jobs/${data.id}`;
  };
  return html`<div class="function-details">
    <form class="run" onSubmit=${run}>
      <label>Payload (JSON) <textarea name="payload" rows="3" value=${payload} onInput=${(e) => setPayload(e.currentTarget.value)}></textarea></label>
      <button type="submit">Run now</button>
    </form>
    <h2>Settings</h2>
    <pre>${json({ permissions: fn.permissions, require_roles: fn.require_roles, overlap: fn.overlap, memory_mb: fn.memory_mb, progress_timeout_seconds: fn.progress_timeout_seconds })}</pre>
    <h2>Code</h2>
    <pre class="code">${source ?? (fn.kind === "handler" ? "A trusted handler: its code is in the application." : "…")}</pre>
  </div>`;
}
