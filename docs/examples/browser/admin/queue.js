/**
 * The queue panel: every user's jobs, newest first, filtered by status and namespace and paged
 * (`client.admin.jobs.listJobs`). Realtime changes update rows in place and put new jobs on top of
 * the first page; when a change moves the page (a job entered the filter, or arrived on a later
 * page) `apply` asks for the page to be read again.
 */
import { $, el, isOlder, when } from "./dom.js";

export class QueueTable {
  /** What the filter form says; "" means any. */
  filter = { status: "", namespace: "" };
  offset = 0;
  limit = 20;
  total = 0;
  /** The id of the job shown in the detail panel. */
  selected = null;
  /** @type {Map<string, { row: any, tr: HTMLTableRowElement }>} */
  #rows = new Map();
  #body = $("queue-body");
  #onOpen;

  /** @param {(id: string) => void} onOpen called by a row's Details button */
  constructor(onOpen) {
    this.#onOpen = onOpen;
  }

  /** The options of `listJobs` for the page shown. */
  query() {
    const { status, namespace } = this.filter;
    return {
      status: status || undefined,
      namespace: namespace || undefined,
      limit: this.limit,
      offset: this.offset,
    };
  }

  matches(row) {
    const { status, namespace } = this.filter;
    return (!status || row.status === status) && (!namespace || row.namespace === namespace);
  }

  /** Shows a page just read; a row already shown in a newer version keeps that version. */
  setPage(jobs, total) {
    const rows = new Map();
    for (const fresh of jobs) {
      const current = this.#rows.get(fresh.id)?.row;
      const row = current && isOlder(fresh, current) ? current : fresh;
      rows.set(row.id, { row, tr: this.#tr(row) });
    }
    this.#rows = rows;
    this.total = total;
    this.#body.replaceChildren(...[...rows.values()].map((entry) => entry.tr));
    this.#renderPaging();
  }

  /**
   * Applies a changed job (a realtime INSERT or UPDATE, or an action's answer). Returns true when
   * the page should be read again because the change moved it.
   * @param {Record<string, any>} [old] what the change says of the previous row (`status` when known)
   */
  apply(row, type, old) {
    const current = this.#rows.get(row.id);
    if (current) {
      if (isOlder(row, current.row)) return false;
      const merged = { ...current.row, ...row };
      const tr = this.#tr(merged);
      current.tr.replaceWith(tr);
      this.#rows.set(row.id, { row: merged, tr });
      return !this.matches(merged); // it left the filter: reading the page again drops it
    }
    if (!this.matches(row)) return false;
    if (type === "INSERT") {
      if (this.offset > 0) return true; // every later page shifts by one
      const tr = this.#tr(row);
      this.#body.prepend(tr);
      this.#rows.set(row.id, { row, tr });
      this.total += 1;
      if (this.#rows.size > this.limit) this.#dropLast();
      this.#renderPaging();
      return false;
    }
    // Only `status` of the filtered columns ever changes: without a status filter, or when the job
    // had that status already, it was simply on another page.
    return Boolean(this.filter.status) && old?.status !== row.status;
  }

  /** Drops a deleted job; true when the page should be read again. */
  remove(id) {
    const current = this.#rows.get(id);
    if (!current) return this.offset > 0;
    current.tr.remove();
    this.#rows.delete(id);
    this.total = Math.max(0, this.total - 1);
    this.#renderPaging();
    return true;
  }

  select(id) {
    this.selected = id;
    for (const [rowId, { tr }] of this.#rows) markSelected(tr, rowId === id);
  }

  clear() {
    this.#rows.clear();
    this.total = 0;
    this.offset = 0;
    this.selected = null;
    this.#body.replaceChildren();
    $("page-info").textContent = "";
  }

  #dropLast() {
    const last = /** @type {HTMLTableRowElement} */ (this.#body.lastElementChild);
    this.#rows.delete(last.dataset.id ?? "");
    last.remove();
  }

  #tr(job) {
    const percent = job.status === "completed" ? 100 : Math.round(Number(job.progress?.percent ?? 0)) || 0;
    const hasProgress = job.progress != null || job.status === "completed";
    const tr = el("tr", { "data-id": job.id, "data-status": job.status }, [
      el("td", {}, [el("time", { datetime: job.created_at, text: when(job.created_at) })]),
      el("th", { scope: "row" }, [
        `${job.namespace}/${job.job_name} `,
        el("code", { class: "id", title: job.id, text: job.id.slice(0, 8) }),
      ]),
      el("td", { class: `status status-${job.status}`, text: job.status }),
      el(
        "td",
        { class: "progress" },
        hasProgress
          ? [el("progress", { max: 100, value: percent, "aria-hidden": "true" }), ` ${percent}%`]
          : ["—"],
      ),
      el("td", { text: job.user_email ?? job.created_by ?? job.user_role ?? "—" }),
      el("td", { class: "attempt", text: String(job.attempt ?? 0) }),
      el("td", {}, [
        el("button", {
          type: "button",
          "aria-label": `Details of job ${job.id}`,
          text: "Details",
          onclick: () => this.#onOpen(job.id),
        }),
      ]),
    ]);
    markSelected(tr, job.id === this.selected);
    return tr;
  }

  #renderPaging() {
    const shown = this.#rows.size;
    $("page-info").textContent =
      this.total === 0 ? "No jobs match." : `Jobs ${this.offset + 1}–${this.offset + shown} of ${this.total}`;
    /** @type {HTMLButtonElement} */ ($("newer")).disabled = this.offset === 0;
    /** @type {HTMLButtonElement} */ ($("older")).disabled = this.offset + this.limit >= this.total;
  }
}

function markSelected(tr, selected) {
  if (selected) tr.setAttribute("aria-current", "true");
  else tr.removeAttribute("aria-current");
}
