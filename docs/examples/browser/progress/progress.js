/**
 * The live-progress example: signs in with a user's token, subscribes to that user's jobs.queue
 * changes, submits `process-data` and renders its progress and result as they happen.
 *
 * - The channel is joined before the Run button is enabled, so no change of a new job is missed;
 *   changes that arrive while the submit request is still in flight are kept until its id is known,
 *   and the job is read once after submitting (and after every re-join) to catch up.
 * - Changes may arrive twice or out of order (each is read from the database when it is delivered);
 *   a row older than the one shown (by `updated_at`) is ignored.
 * - Everything shown is set with `textContent` or attributes, never parsed as HTML.
 *
 * `window.progressExample` exposes what the page saw (for tests and the curious): `progressHistory`
 * (every value the bar's `aria-valuenow` took, in order), `events` (every realtime change received),
 * `realtime` (the channel's status), `jobId` and `status` of the job it follows.
 */
import { createClient } from "../sdk.js";

const TERMINAL = ["completed", "failed", "cancelled"];
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const ui = {
  signIn: /** @type {HTMLFormElement} */ ($("sign-in")),
  token: /** @type {HTMLTextAreaElement} */ ($("token")),
  identity: $("identity"),
  run: /** @type {HTMLFormElement} */ ($("run")),
  runFields: /** @type {HTMLFieldSetElement} */ ($("run-fields")),
  items: /** @type {HTMLInputElement} */ ($("items")),
  delay: /** @type {HTMLInputElement} */ ($("delay")),
  notify: /** @type {HTMLInputElement} */ ($("notify")),
  bar: $("bar"),
  fill: $("bar-fill"),
  message: $("message"),
  jobId: $("job-id"),
  jobStatus: $("job-status"),
  realtime: $("realtime"),
  result: $("result"),
  error: $("error"),
};

const seen = { progressHistory: [], events: [], realtime: "off", jobId: null, status: null };
window.progressExample = seen;
window.progressHistory = seen.progressHistory;

/** The signed-in client and its channel; replaced on every sign-in. */
let session = null;
/** The job this page follows: `{ id, row }`, `row` being the newest version shown. */
let followed = null;
/** While a submit is in flight: the newest row of each job seen meanwhile, by id. */
let inFlight = null;
let signIns = 0;

async function signIn(token) {
  const attempt = ++signIns;
  signOut();
  ui.identity.textContent = "Checking the token…";
  const client = createClient(location.origin, token);
  // Any authenticated call tells a usable token from an expired or foreign one.
  const { error } = await client.jobs.list({ limit: 1 });
  if (attempt !== signIns) return;
  if (error) {
    ui.identity.textContent = `Sign-in failed: ${error.message}`;
    return;
  }
  ui.identity.textContent = `Signed in as ${describeToken(token)}.`;
  const channel = client.realtime.channel("table:jobs.queue");
  session = { client, channel };
  const onChange = (payload) => {
    if (session?.client === client) received(payload);
  };
  channel
    .on("INSERT", onChange)
    .on("UPDATE", onChange)
    .subscribe((status, cause) => {
      if (session?.client !== client) return;
      showRealtime(status, cause);
      // A re-join after a dropped connection may have missed changes: read the job again.
      if (status === "SUBSCRIBED" && followed && !TERMINAL.includes(followed.row?.status)) {
        void refresh(followed.id);
      }
    });
}

function signOut() {
  const old = session;
  session = null;
  followed = null;
  inFlight = null;
  ui.runFields.disabled = true;
  showRealtime("off");
  if (old) void old.client.realtime.removeAllChannels();
}

async function run(items, delayMs, notify) {
  if (!session) return;
  const { client } = session;
  ui.runFields.disabled = true;
  ui.result.textContent = "";
  ui.error.textContent = "";
  inFlight = new Map();
  followed = null;
  const payload = { items: Array.from({ length: items }, (_, i) => i + 1), delay_ms: delayMs };
  // notify: the server mails the token's email when the job ends (refused when it has no mail set up).
  const { data: job, error } = await client.jobs.submit("process-data", payload, { notify });
  const early = inFlight;
  inFlight = null;
  if (session?.client !== client) return;
  if (error) {
    ui.error.textContent = `Submit failed: ${error.message}`;
    ui.runFields.disabled = seen.realtime !== "SUBSCRIBED";
    return;
  }
  followed = { id: job.id, row: null };
  seen.jobId = job.id;
  apply(job);
  const earlyRow = early?.get(job.id);
  if (earlyRow) apply(earlyRow);
  await refresh(job.id);
}

/** Reads the job once over HTTP (with its result) and shows it if it is newer than what is shown. */
async function refresh(id) {
  const client = session?.client;
  if (!client) return;
  const { data } = await client.jobs.get(id);
  if (data && session?.client === client) apply(data);
}

function received(payload) {
  const row = payload.new;
  if (!row || typeof row.id !== "string") return;
  seen.events.push({
    type: payload.eventType,
    id: row.id,
    status: row.status,
    percent: row.progress?.percent ?? null,
  });
  if (inFlight) {
    if (!isOlder(row, inFlight.get(row.id))) inFlight.set(row.id, row);
  } else {
    apply(row);
  }
}

function apply(row) {
  if (!followed || row.id !== followed.id || isOlder(row, followed.row)) return;
  // Realtime rows carry `result` too; keep the one we have if a newer row comes without it.
  followed.row = { ...row, result: row.result === undefined ? followed.row?.result : row.result };
  render(followed.row);
}

function isOlder(row, than) {
  if (!than) return false;
  return Date.parse(row.updated_at) < Date.parse(than.updated_at);
}

function render(job) {
  const done = TERMINAL.includes(job.status);
  const reported = Number(job.progress?.percent);
  let percent = Number.isFinite(reported) ? Math.min(100, Math.max(0, Math.round(reported))) : 0;
  if (job.status === "completed") percent = 100;
  const message = job.progress?.message ? String(job.progress.message) : "";

  ui.bar.setAttribute("aria-valuenow", String(percent));
  ui.bar.setAttribute("aria-valuetext", message ? `${percent}%: ${message}` : `${percent}%`);
  ui.bar.dataset.status = job.status;
  ui.fill.style.width = `${percent}%`;
  if (seen.progressHistory.at(-1) !== percent) seen.progressHistory.push(percent);

  ui.message.textContent =
    message ||
    (job.status === "pending" ? "Waiting for a worker…" : job.status === "running" ? "Running…" : "");
  ui.jobId.textContent = job.id;
  ui.jobStatus.textContent = job.status;
  seen.status = job.status;

  if (!done) return;
  ui.runFields.disabled = seen.realtime !== "SUBSCRIBED";
  if (job.status === "completed") {
    if (job.result === undefined) void refresh(job.id);
    else ui.result.textContent = JSON.stringify(job.result, null, 2);
  } else {
    ui.error.textContent =
      job.status === "cancelled"
        ? "The job was cancelled."
        : `The job failed: ${job.error_message ?? "no reason given"}`;
  }
}

function showRealtime(status, cause) {
  seen.realtime = status;
  ui.realtime.textContent = cause ? `${status} (${cause.message})` : status;
  const busy = followed && !TERMINAL.includes(followed.row?.status);
  ui.runFields.disabled = status !== "SUBSCRIBED" || Boolean(busy) || Boolean(inFlight);
}

/** "alice@example.com" or the token's subject, read (not verified: the server does that) from the JWT. */
function describeToken(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return String(claims.email ?? claims.sub ?? claims.role ?? "an unnamed user");
  } catch {
    return "the given token";
  }
}

ui.signIn.addEventListener("submit", (event) => {
  event.preventDefault();
  const token = ui.token.value.trim();
  if (token) void signIn(token);
});

ui.run.addEventListener("submit", (event) => {
  event.preventDefault();
  void run(ui.items.valueAsNumber, ui.delay.valueAsNumber, ui.notify.checked);
});

// ?token=... signs in at once (handy for tests and links); it is dropped from the address bar.
const fromUrl = new URLSearchParams(location.search).get("token");
if (fromUrl) {
  history.replaceState(null, "", location.pathname);
  ui.token.value = fromUrl;
  void signIn(fromUrl);
}
