/** Overview: counts by status, jobs ended over the last hour and day, worker slots, the oldest wait. */
import { EndedChart } from "../chart.js";
import { problem, waited } from "../format.js";
import { html, useState } from "../html.js";
import { useLive } from "../session.js";

const statuses = ["pending", "running", "completed", "failed", "cancelled"];

export function Overview({ client }) {
  const [state, setState] = useState(null);
  const [error, setError] = useState(null);
  useLive(async () => {
    const [stats, hour, day, workers] = await Promise.all([
      client.admin.jobs.getStats(),
      client.admin.jobs.getTimeline({ range: "hour" }),
      client.admin.jobs.getTimeline({ range: "day" }),
      client.admin.jobs.listWorkers(),
    ]);
    const failed = [stats, hour, day, workers].find((r) => r.error);
    setError(failed?.error ?? null);
    if (!failed) setState({ stats: stats.data, hour: hour.data, day: day.data, workers: workers.data });
  });
  if (!state) return html`<p role="status">${error ? problem(error) : "Loading…"}</p>`;
  const { stats, hour, day, workers } = state;
  const live = workers.filter((w) => w.status === "active");
  const busy = live.reduce((sum, w) => sum + w.current_job_count, 0);
  const slots = live.reduce((sum, w) => sum + w.max_concurrent_jobs, 0);
  return html`<section aria-labelledby="overview-title">
    <h1 id="overview-title">Overview</h1>
    ${error && html`<p role="alert">${problem(error)}</p>`}
    <ul class="cards">
      ${statuses.map(
        (status) => html`<li class=${`card status-${status}`} data-status=${status}>
          <a href=${`#/jobs?status=${status}`}><strong>${stats[status]}</strong> ${status}</a>
        </li>`,
      )}
      <li class="card" data-card="slots"><strong>${busy}/${slots}</strong> worker slots busy</li>
      <li class="card" data-card="oldest">
        <strong>${hour.oldest_pending_seconds == null ? "none" : waited(hour.oldest_pending_seconds)}</strong>
        oldest waiting job
      </li>
    </ul>
    ${stats.warnings.map((w) => html`<p role="alert" class="warning">${w}</p>`)}
    <div class="charts">
      <${EndedChart} title="Last hour, per minute" timeline=${hour} />
      <${EndedChart} title="Last day, per hour" timeline=${day} />
    </div>
  </section>`;
}
