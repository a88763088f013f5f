/** The mail that says a job ended: subject, plain text and HTML, with a link to the job in the admin view. */

export interface JobSnapshot {
  id: string;
  namespace: string;
  job_name: string;
  status: string;
  result?: unknown;
  error_message?: string | null;
  started_at?: string | null;
  completed_at?: string | null;
  created_at?: string | null;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const MAX_DETAIL = 2000;
const outcomes: Record<string, string> = {
  "job.completed": "completed",
  "job.failed": "failed",
  "job.cancelled": "was cancelled",
};

export function renderJobMail(event: string, job: JobSnapshot, adminUrl: string): RenderedMail {
  const outcome = outcomes[event] ?? event;
  const subject = `[Fluxbase] ${job.job_name} ${outcome}`;
  const duration = formatDuration(job.started_at ?? job.created_at, job.completed_at);
  const detailLabel = event === "job.completed" ? "Result" : "Error";
  const detail = truncate(
    event === "job.completed"
      ? (JSON.stringify(job.result ?? null, null, 2) ?? "null")
      : (job.error_message ?? "-"),
  );
  const link = `${adminUrl}#job=${job.id}`;
  const rows: [string, string][] = [
    ["Function", `${job.namespace}/${job.job_name}`],
    ["Outcome", outcome],
    ["Duration", duration],
    ["Job", job.id],
  ];
  const text = [
    `The job ${job.job_name} ${outcome}.`,
    "",
    ...rows.map(([k, v]) => `${k}: ${v}`),
    "",
    `${detailLabel}:`,
    detail,
    "",
    `Open it in the admin view: ${link}`,
    "",
  ].join("\n");
  const html = `<!doctype html><html><body style="font-family:sans-serif">
<p>The job <strong>${escapeHtml(job.job_name)}</strong> ${escapeHtml(outcome)}.</p>
<table>${rows.map(([k, v]) => `<tr><th align="left">${k}</th><td>${escapeHtml(v)}</td></tr>`).join("")}</table>
<p>${detailLabel}:</p><pre>${escapeHtml(detail)}</pre>
<p><a href="${escapeHtml(link)}">Open the job in the admin view</a></p>
</body></html>`;
  return { subject, text, html };
}

function truncate(text: string): string {
  return text.length > MAX_DETAIL
    ? `${text.slice(0, MAX_DETAIL)}… (${text.length - MAX_DETAIL} more characters)`
    : text;
}

function formatDuration(from?: string | null, to?: string | null): string {
  if (!from || !to) return "-";
  const ms = Date.parse(to) - Date.parse(from);
  if (!Number.isFinite(ms) || ms < 0) return "-";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
