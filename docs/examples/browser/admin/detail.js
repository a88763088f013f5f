/**
 * The job detail panel: one job's fields, progress, payload, result or error, its log lines and the
 * actions (cancel, terminate, retry, resubmit). The buttons stay enabled whatever the status: the
 * API decides, and its refusal (e.g. 409 JOB_NOT_CANCELLABLE) is shown as it came.
 */
import { $, el, isOlder, json, when } from "./dom.js";

export const ACTIONS = ["cancel", "terminate", "retry", "resubmit"];
export const ACTION_TEXT = {
  cancel: { doing: "Cancelling…", done: "Cancelled", failed: "Cancel failed" },
  terminate: { doing: "Terminating…", done: "Terminated", failed: "Terminate failed" },
  retry: { doing: "Retrying…", done: "Retried", failed: "Retry failed" },
  resubmit: { doing: "Resubmitting…", done: "Resubmitted", failed: "Resubmit failed" },
};

export class JobDetail {
  /** The open job's id, its newest row, and the last log line shown. */
  id = null;
  row = null;
  lastLine = 0;

  /** @param {(action: string, id: string) => void} onAction */
  constructor(onAction) {
    for (const action of ACTIONS) {
      $(`action-${action}`).addEventListener("click", () => {
        if (this.id) onAction(action, this.id);
      });
    }
  }

  /** Starts showing job `id`; its row comes with `apply`, its lines with `appendLogs`. */
  open(id) {
    this.id = id;
    this.row = null;
    this.lastLine = 0;
    $("detail-empty").hidden = true;
    $("detail-body").hidden = false;
    for (const field of ["function", "status", "user", "priority", "attempt", "worker", "created"]) {
      $(`detail-${field}`).textContent = "…";
    }
    $("detail-id").textContent = id;
    $("logs-body").replaceChildren();
    $("logs-empty").hidden = false;
    $("attempts-body").replaceChildren();
    $("attempts-empty").hidden = false;
    this.say("", "");
  }

  /** Shows a newer version of the open job; false when `row` is another job or an older version. */
  apply(row) {
    if (row.id !== this.id || isOlder(row, this.row)) return false;
    // Realtime rows and single reads carry `result`; keep it if a newer row comes without.
    this.row = { ...this.row, ...row, result: row.result === undefined ? this.row?.result : row.result };
    this.#render(this.row);
    return true;
  }

  /** Appends the lines not shown yet (a tail may overlap an earlier one). */
  appendLogs(lines) {
    const fresh = lines.filter((line) => line.line_number > this.lastLine);
    if (fresh.length === 0) return;
    this.lastLine = fresh.at(-1).line_number;
    $("logs-empty").hidden = true;
    $("logs-body").append(
      ...fresh.map((line) =>
        el("tr", { "data-level": line.level }, [
          el("td", { text: line.line_number }),
          el("td", { text: line.attempt }),
          el("td", { class: `level level-${line.level}`, text: line.level }),
          el("td", {}, [el("time", { datetime: line.timestamp, text: when(line.timestamp) })]),
          el("td", {}, [el("pre", { text: line.message })]),
        ]),
      ),
    );
  }

  /** Shows the job's attempts in the order they started; the one running has no outcome yet. */
  showAttempts(attempts) {
    $("attempts-empty").hidden = attempts.length > 0;
    $("attempts-body").replaceChildren(
      ...attempts.map((attempt) =>
        el("tr", { "data-outcome": attempt.outcome ?? "running" }, [
          el("td", { text: attempt.attempt }),
          el("td", { text: attempt.outcome ?? "running" }),
          el("td", {}, [el("time", { datetime: attempt.started_at, text: when(attempt.started_at) })]),
          el("td", { text: attempt.finished_at ? when(attempt.finished_at) : "—" }),
          el("td", { text: attempt.error_message ?? "" }),
        ]),
      ),
    );
  }

  /** Disables the actions while one is under way (`busy`), with what is happening. */
  busy(busy) {
    for (const action of ACTIONS) {
      /** @type {HTMLButtonElement} */ ($(`action-${action}`)).disabled = busy;
    }
  }

  /** What the last action did (a status line) or why it was refused (an alert). */
  say(status, error) {
    $("action-status").textContent = status;
    $("action-error").textContent = error;
  }

  /** Moves focus to the panel (after a row's Details button), for keyboard and screen-reader users. */
  focus() {
    $("detail-title").focus();
  }

  clear() {
    this.id = null;
    this.row = null;
    $("detail-body").hidden = true;
    $("detail-empty").hidden = false;
  }

  #render(job) {
    const text = (field, value) => {
      $(`detail-${field}`).textContent = value == null || value === "" ? "—" : String(value);
    };
    text("function", `${job.namespace}/${job.job_name}`);
    text("status", job.status);
    $("detail-status").dataset.status = job.status;
    text("user", job.user_email ?? job.created_by ?? job.user_role);
    text("priority", job.priority);
    const runs = job.attempt ?? 0;
    text(
      "attempt",
      `${runs} run${runs === 1 ? "" : "s"} started, ${job.retry_count} of ${job.max_retries} retries used`,
    );
    text("worker", job.worker_id);
    text("created", when(job.created_at));
    text("started", when(job.started_at));
    text("finished", when(job.completed_at));
    text("cancel-mode", job.cancel_mode);

    const reported = Math.round(Number(job.progress?.percent ?? 0)) || 0;
    const percent = job.status === "completed" ? 100 : Math.min(100, Math.max(0, reported));
    const message = job.progress?.message ? String(job.progress.message) : "";
    /** @type {HTMLProgressElement} */ ($("detail-progress")).value = percent;
    text("progress-text", message ? `${percent}%: ${message}` : `${percent}%`);

    text("payload", json(job.payload));
    $("detail-result-block").hidden = job.status !== "completed";
    text("result", job.result === undefined ? "…" : json(job.result));
    const failed = job.status === "failed" || job.status === "cancelled";
    $("detail-error-block").hidden = !failed;
    text("error", job.error_message ?? (job.status === "cancelled" ? "Cancelled on request." : ""));
  }
}
