/**
 * Jobs: every job, filtered by status, namespace, function, trigger and time, searched by id or
 * user; a row opens the job; the selection (or everything the filter matches) can be retried,
 * cancelled or deleted at once.
 */
import { ago, problem } from "../format.js";
import { html, useState } from "../html.js";
import { useLive } from "../session.js";

const PAGE = 50;
const statuses = ["", "pending", "running", "completed", "failed", "cancelled"];
const triggers = ["", "adhoc", "cron", "cron_trigger", "event", "retry", "resubmit"];
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function Jobs({ client, query }) {
  const [filter, setFilter] = useState({
    status: query.get("status") ?? "",
    namespace: query.get("namespace") ?? "",
    jobName: query.get("function") ?? "",
    trigger: "",
    since: "",
    search: "",
    order: "newest",
  });
  const [page, setPage] = useState({ rows: [], count: 0, offset: 0 });
  const [selected, setSelected] = useState(new Set());
  const [message, setMessage] = useState("");
  const listOptions = () => {
    const search = filter.search.trim();
    return {
      status: filter.status || undefined,
      namespace: filter.namespace || undefined,
      jobName: filter.jobName || undefined,
      trigger: filter.trigger || undefined,
      createdBy: uuid.test(search) ? search : undefined,
      userEmail: search.includes("@") ? search : undefined,
      createdAfter: filter.since ? new Date(Date.now() - Number(filter.since) * 3600_000) : undefined,
      order: filter.order,
      limit: PAGE,
      offset: page.offset,
    };
  };
  const reload = useLive(
    async (isCurrent) => {
      const search = filter.search.trim();
      if (uuid.test(search)) {
        const one = await client.admin.jobs.getJob(search);
        if (!isCurrent()) return;
        if (!one.error) return setPage({ rows: [one.data], count: 1, offset: 0 });
      }
      const { data, count, error } = await client.admin.jobs.listJobs(listOptions());
      if (!isCurrent()) return;
      if (error) return setMessage(problem(error));
      // A search that is neither an id nor an email matches the start of job ids on this page.
      const local = search && !uuid.test(search) && !search.includes("@");
      const rows = local ? data.filter((j) => j.id.startsWith(search)) : data;
      setPage((p) => ({ ...p, rows, count: local ? rows.length : count }));
    },
    [JSON.stringify(filter), page.offset],
  );
  const set = (key) => (event) => {
    setFilter({ ...filter, [key]: event.currentTarget.value });
    setPage((p) => ({ ...p, offset: 0 }));
  };
  const toggle = (id) => {
    const next = new Set(selected);
    next.has(id) ? next.delete(id) : next.add(id);
    setSelected(next);
  };
  const bulk = async (action, everything) => {
    const o = listOptions();
    const target = everything
      ? {
          filter: {
            status: o.status ? [o.status] : undefined,
            namespace: o.namespace,
            job_name: o.jobName,
            created_after: o.createdAfter?.toISOString(),
          },
        }
      : { ids: [...selected] };
    const { data, error } = await client.admin.jobs.bulk(action, target);
    const counts = data && Object.entries(data.counts).map(([outcome, n]) => `${n} ${outcome}`);
    setMessage(error ? problem(error) : `${action}: ${counts.join(", ") || "no jobs matched"}`);
    setSelected(new Set());
    reload();
  };
  return html`<section aria-labelledby="jobs-title">
    <h1 id="jobs-title">Jobs</h1>
    <form class="filters" onSubmit=${(e) => e.preventDefault()}>
      <label>Search <input type="search" name="search" placeholder="job id, user id or email" value=${filter.search} onInput=${set("search")} /></label>
      <label>Status <select name="status" value=${filter.status} onChange=${set("status")}>
        ${statuses.map((s) => html`<option value=${s}>${s || "any"}</option>`)}
      </select></label>
      <label>Namespace <input name="namespace" defaultValue=${filter.namespace} onChange=${set("namespace")} /></label>
      <label>Function <input name="function" defaultValue=${filter.jobName} onChange=${set("jobName")} /></label>
      <label>Trigger <select name="trigger" value=${filter.trigger} onChange=${set("trigger")}>
        ${triggers.map((t) => html`<option value=${t}>${t || "any"}</option>`)}
      </select></label>
      <label>Created <select name="since" value=${filter.since} onChange=${set("since")}>
        <option value="">any time</option><option value="1">last hour</option><option value="24">last day</option><option value="168">last week</option>
      </select></label>
      <label>Order <select name="order" value=${filter.order} onChange=${set("order")}>
        <option value="newest">newest first</option><option value="oldest">oldest first</option>
      </select></label>
    </form>
    <div class="bulk" role="group" aria-label="Bulk actions">
      <span>${selected.size} selected</span>
      ${["retry", "cancel", "delete"].map(
        (action) =>
          html`<button type="button" disabled=${selected.size === 0} onClick=${() => bulk(action, false)}>${action} selected</button>`,
      )}
      ${["retry", "cancel", "delete"].map(
        (action) =>
          html`<button type="button" class="secondary" onClick=${() => bulk(action, true)}>${action} all matching</button>`,
      )}
    </div>
    ${message && html`<p role="status" class="message">${message}</p>`}
    <div class="scroll" tabindex="0"><table class="jobs">
      <caption>${page.count} jobs${page.count > PAGE ? `, ${page.offset + 1}–${page.offset + page.rows.length}` : ""}</caption>
      <thead><tr><th scope="col"><span class="visually-hidden">Select</span></th><th scope="col">Function</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">User</th><th scope="col">Created</th></tr></thead>
      <tbody>${page.rows.map(
        (job) => html`<tr data-id=${job.id} class="job" onClick=${(e) => {
          if (e.target.tagName !== "INPUT") location.hash = `#/jobs/${job.id}`;
        }}>
          <td><input type="checkbox" aria-label=${`Select job ${job.id}`} checked=${selected.has(job.id)} onChange=${() => toggle(job.id)} /></td>
          <th scope="row"><a href=${`#/jobs/${job.id}`}>${job.namespace}/${job.job_name}</a></th>
          <td class=${`status status-${job.status}`}>${job.status}</td>
          <td>${job.progress?.percent ?? 0}%</td>
          <td>${job.user_email ?? "—"}</td>
          <td>${ago(job.created_at)}</td>
        </tr>`,
      )}</tbody>
    </table></div>
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled=${page.offset === 0} onClick=${() => setPage((p) => ({ ...p, offset: Math.max(0, p.offset - PAGE) }))}>Newer</button>
      <button type="button" disabled=${page.offset + PAGE >= page.count} onClick=${() => setPage((p) => ({ ...p, offset: p.offset + PAGE }))}>Older</button>
    </nav>
  </section>`;
}
