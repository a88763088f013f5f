/** Queues: each namespace's depth (pending, running, failed) and pause state; pause or resume it. */
import { problem } from "../format.js";
import { html, useState } from "../html.js";
import { useLive } from "../session.js";

export function Queues({ client }) {
  const [rows, setRows] = useState([]);
  const [message, setMessage] = useState("");
  const reload = useLive(async () => {
    const [stats, namespaces, functions] = await Promise.all([
      client.admin.jobs.getStats(),
      client.admin.jobs.listNamespaces(),
      client.admin.jobs.list(),
    ]);
    const failed = stats.error ?? namespaces.error ?? functions.error;
    if (failed) return setMessage(problem(failed));
    const byNamespace = new Map(
      namespaces.data.map((ns) => [ns, { namespace: ns, pending: 0, running: 0, failed: 0 }]),
    );
    for (const f of stats.data.by_function) {
      const row = byNamespace.get(f.namespace) ?? {
        namespace: f.namespace,
        pending: 0,
        running: 0,
        failed: 0,
      };
      row.pending += f.pending;
      row.running += f.running;
      row.failed += f.failed;
      byNamespace.set(f.namespace, row);
    }
    const paused = new Set(stats.data.paused.filter((p) => p.job_name === "*").map((p) => p.namespace));
    // Functions that cap how many of their jobs run at once, across every process.
    const caps = (ns) =>
      functions.data
        .filter((f) => f.namespace === ns && f.concurrency != null)
        .map((f) => `${f.name} ≤ ${f.concurrency}`);
    setRows(
      [...byNamespace.values()]
        .map((row) => ({ ...row, paused: paused.has(row.namespace), caps: caps(row.namespace) }))
        .sort((a, b) => a.namespace.localeCompare(b.namespace)),
    );
  });
  const toggle = async (row) => {
    const target = { namespace: row.namespace };
    const { error } = row.paused
      ? await client.admin.jobs.resume(target)
      : await client.admin.jobs.pause(target);
    setMessage(error ? problem(error) : `${row.namespace} ${row.paused ? "resumed" : "paused"}`);
    reload();
  };
  return html`<section aria-labelledby="queues-title">
    <h1 id="queues-title">Queues</h1>
    ${message && html`<p role="status" class="message">${message}</p>`}
    <div class="scroll" tabindex="0"><table>
      <thead><tr><th scope="col">Namespace</th><th scope="col">Pending</th><th scope="col">Running</th><th scope="col">Failed</th>
        <th scope="col">Concurrency caps</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
      <tbody>${rows.map(
        (row) => html`<tr class="queue" data-namespace=${row.namespace}>
          <th scope="row"><a href=${`#/jobs?namespace=${encodeURIComponent(row.namespace)}`}>${row.namespace}</a></th>
          <td>${row.pending}</td><td>${row.running}</td><td>${row.failed}</td>
          <td class="caps">${row.caps.length ? row.caps.join(", ") : "none"}</td>
          <td class="state">${row.paused ? "paused" : "running"}</td>
          <td class="row-actions"><button type="button" data-action="pause" onClick=${() => toggle(row)}>${row.paused ? "resume" : "pause"}</button></td>
        </tr>`,
      )}</tbody>
    </table></div>
  </section>`;
}
