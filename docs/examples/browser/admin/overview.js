/** The statistics and workers panels of the admin page. */
import { $, age, duration, el, isOlder } from "./dom.js";

const COUNTS = ["pending", "running", "completed", "failed", "cancelled", "total"];

/** The counts per status and the mean run time (`client.admin.jobs.getStats`). */
export class StatsPanel {
  /** @param {string | undefined} namespace the filter the counts were read with */
  render(stats, namespace) {
    for (const key of COUNTS) $(`stat-${key}`).textContent = String(stats[key]);
    $("stat-avg").textContent = duration(stats.avg_duration_seconds);
    $("stats-scope").textContent = namespace ? `Namespace ${namespace}` : "All namespaces";
  }

  clear() {
    for (const key of [...COUNTS, "avg"]) $(`stat-${key}`).textContent = "";
  }
}

/** The worker registry (`client.admin.jobs.listWorkers`), kept current by jobs.workers changes. */
export class WorkersTable {
  /** @type {Map<string, { row: any, tr: HTMLTableRowElement }>} */
  #rows = new Map();
  #body = $("workers-body");
  #empty = $("workers-empty");

  /** Replaces every row with a fresh list (newest first). */
  set(workers) {
    const rows = new Map();
    for (const fresh of workers) {
      const current = this.#rows.get(fresh.id)?.row;
      const row = current && isOlder(fresh, current) ? current : fresh;
      rows.set(row.id, { row, tr: this.#tr(row) });
    }
    this.#rows = rows;
    this.#body.replaceChildren(...[...rows.values()].map((entry) => entry.tr));
    this.#showEmpty();
  }

  /** Adds or updates one worker from a realtime INSERT or UPDATE. */
  upsert(row) {
    const current = this.#rows.get(row.id);
    if (current && isOlder(row, current.row)) return;
    const merged = { ...current?.row, ...row };
    const tr = this.#tr(merged);
    if (current) current.tr.replaceWith(tr);
    else this.#body.prepend(tr);
    this.#rows.set(row.id, { row: merged, tr });
    this.#showEmpty();
  }

  remove(id) {
    this.#rows.get(id)?.tr.remove();
    this.#rows.delete(id);
    this.#showEmpty();
  }

  /** Re-renders the heartbeat ages (called every second). */
  tick() {
    const now = Date.now();
    for (const { row, tr } of this.#rows.values()) {
      tr.querySelector(".heartbeat").textContent = age(row.last_heartbeat_at, now);
    }
  }

  clear() {
    this.#rows.clear();
    this.#body.replaceChildren();
    this.#showEmpty();
  }

  #tr(w) {
    return el("tr", { "data-id": w.id }, [
      el("th", { scope: "row", text: w.name }),
      el("td", { class: `status status-${w.status}`, text: w.status }),
      el("td", { class: "load", text: `${w.current_job_count}/${w.max_concurrent_jobs}` }),
      el("td", {}, [
        el("time", { class: "heartbeat", datetime: w.last_heartbeat_at, text: age(w.last_heartbeat_at) }),
      ]),
      el("td", { text: `${w.hostname} (pid ${w.pid})` }),
    ]);
  }

  #showEmpty() {
    this.#empty.hidden = this.#rows.size > 0;
  }
}
