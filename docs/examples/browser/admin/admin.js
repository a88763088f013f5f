/**
 * The admin example: signs in with an admin's token (or the service key), then shows the job
 * statistics, the workers, the functions (with any bundle error), every user's jobs and one job in
 * detail, and acts on jobs through `client.admin.jobs` (cancel, terminate, retry, resubmit).
 *
 * - Live: channels on jobs.queue and jobs.workers update rows as changes arrive. Statistics are read
 *   again at most every STATS_DELAY_MS while changes keep coming; a page of the queue or the open
 *   job's log lines likewise. Each (re-)join reads everything once, to catch up on what happened
 *   before it. While either channel is not joined, the page reads everything every POLL_MS instead.
 * - Changes may arrive twice or out of order (each is read when it is delivered): a row older than the
 *   one shown (by `updated_at`) is ignored; an answer to an outdated request is dropped.
 * - Everything shown is set as text or attributes (dom.js), never parsed as HTML.
 *
 * `window.adminExample` exposes what the page saw, for tests and the curious: `signedIn`, `realtime`
 * (each channel's status), `events` (the last changes received), `polls` (reads done for lack of
 * realtime) and `actions` (each action's outcome).
 */
import { createClient } from "../sdk.js";
import { ACTION_TEXT, JobDetail } from "./detail.js";
import { $, describeError, describeToken } from "./dom.js";
import { QueueFilters } from "./filters.js";
import { FunctionsTable } from "./functions.js";
import { StatsPanel, WorkersTable } from "./overview.js";
import { QueueTable } from "./queue.js";
import { Reads } from "./reads.js";
import { StoragePanel } from "./storage.js";
import { WebhooksPanel } from "./webhooks.js";

const POLL_MS = 3000;
const STATS_DELAY_MS = 250;
const QUEUE_DELAY_MS = 250;
const LOGS_DELAY_MS = 300;
const MAX_EVENTS = 500;

const seen = {
  signedIn: false,
  realtime: { queue: "off", workers: "off", logs: "off" },
  events: [],
  polls: 0,
  actions: [],
};
window.adminExample = seen;

const ui = {
  signIn: /** @type {HTMLFormElement} */ ($("sign-in")),
  token: /** @type {HTMLTextAreaElement} */ ($("token")),
  identity: $("identity"),
  dashboard: $("dashboard"),
  live: $("live"),
  problems: $("problems"),
};

const stats = new StatsPanel();
const workers = new WorkersTable();
const functions = new FunctionsTable();
const webhooks = new WebhooksPanel();
const storage = new StoragePanel();
const queue = new QueueTable((id) => void openJob(id, { focus: true }));
const detail = new JobDetail((action, id) => void act(action, id));
const filters = new QueueFilters(queue, (what) => {
  void loadQueue();
  if (what === "filter") void loadStats();
});
const addNamespace = (name) => filters.addNamespace(name);

/** The signed-in client, its timers, pending delayed reads and reads in flight; replaced on every sign-in. */
let session = null;
let signIns = 0;
/** Read errors by panel, shown together in one alert. */
const problems = new Map();

async function signIn(token) {
  const attempt = ++signIns;
  signOut();
  ui.identity.textContent = "Checking the token…";
  const client = createClient(location.origin, token);
  // The statistics double as the check: only admins and the service role may read them.
  const { data, error } = await client.admin.jobs.getStats(queue.filter.namespace || undefined);
  if (attempt !== signIns) return;
  if (error) {
    ui.identity.textContent =
      error.code === "ADMIN_REQUIRED"
        ? `This token may not use the admin API (${error.status} ${error.code}${
            error.context.role ? `: it is for role ${error.context.role}` : ""
          }). Sign in with an admin's token or the service key.`
        : `Sign-in failed: ${describeError(error)}`;
    return;
  }
  session = { client, timers: [], later: new Map(), reads: new Reads(reportRead), logs: null };
  seen.signedIn = true;
  ui.identity.textContent = `Signed in as ${describeToken(token)}.`;
  ui.dashboard.hidden = false;
  stats.render(data, queue.filter.namespace);
  subscribe(session);
  webhooks.start(client);
  storage.start(client);
  showLive();
  session.timers.push(
    setInterval(() => workers.tick(), 1000),
    setInterval(() => {
      if (live()) {
        void loadFunctions(); // jobs.functions has no channel here: read it on every tick
        if (detail.id && seen.realtime.logs !== "SUBSCRIBED") void loadLogs(detail.id);
        return;
      }
      seen.polls += 1;
      void refreshAll();
    }, POLL_MS),
  );
  await refreshAll();
  // #job=<id>: the link in a notification mail opens that job.
  const linked = /^#job=([0-9a-f-]{36})$/i.exec(location.hash)?.[1];
  if (linked) await openJob(linked, { focus: true });
}

function signOut() {
  const old = session;
  session = null;
  seen.signedIn = false;
  seen.realtime = { queue: "off", workers: "off", logs: "off" };
  problems.clear();
  ui.dashboard.hidden = true;
  ui.problems.textContent = "";
  stats.clear();
  workers.clear();
  functions.clear();
  webhooks.stop();
  storage.stop();
  queue.clear();
  detail.clear();
  if (!old) return;
  old.reads.close();
  for (const timer of old.timers) clearInterval(timer);
  for (const timer of old.later.values()) clearTimeout(timer);
  void old.client.realtime.removeAllChannels();
}

function subscribe(s) {
  const join = (key, topic, onChange, catchUp) => {
    s.client.realtime
      .channel(topic)
      .on("*", (payload) => {
        if (session !== s) return;
        seen.events.push({
          table: key,
          type: payload.eventType,
          id: payload.new.id ?? payload.old.id,
          status: payload.new.status ?? null,
        });
        if (seen.events.length > MAX_EVENTS) seen.events.shift();
        onChange(payload);
      })
      .subscribe((status, cause) => {
        if (session !== s) return;
        seen.realtime[key] = status;
        showLive(cause);
        if (status === "SUBSCRIBED") catchUp();
      });
  };
  join("queue", "table:jobs.queue", queueChanged, () => {
    void loadQueue();
    void loadStats();
    if (detail.id) void loadJob(detail.id);
  });
  join("workers", "table:jobs.workers", workerChanged, () => void loadWorkers());
}

/**
 * Follows the open job's new log lines with a channel on jobs.logs filtered to that job. A line only
 * wakes the page up: the lines shown are read with `client.jobs.getLogs`. This also catches the lines
 * a run writes after its final status (e.g. "Job cancelled").
 */
function followLogs(s, id) {
  const previous = s.logs;
  s.logs = null;
  seen.realtime.logs = "off";
  if (previous) void previous.unsubscribe();
  const channel = s.client.realtime.channel(`job-logs:${id}`);
  s.logs = channel;
  const filter = { event: "INSERT", schema: "jobs", table: "logs", filter: `job_id=eq.${id}` };
  channel
    .on("postgres_changes", filter, () => {
      if (session === s && detail.id === id) later(`logs:${id}`, () => loadLogs(id), LOGS_DELAY_MS);
    })
    .subscribe((status) => {
      if (session !== s || s.logs !== channel) return;
      seen.realtime.logs = status;
      if (status === "SUBSCRIBED") void loadLogs(id);
    });
}

const live = () => seen.realtime.queue === "SUBSCRIBED" && seen.realtime.workers === "SUBSCRIBED";

function showLive(cause) {
  const { queue: q, workers: w } = seen.realtime;
  ui.live.textContent = live()
    ? "Live: changes arrive over realtime."
    : `Polling every ${POLL_MS / 1000} s (realtime: jobs.queue ${q}, jobs.workers ${w}${cause ? `; ${cause.message}` : ""}).`;
}

function queueChanged({ eventType, new: row, old }) {
  if (eventType === "DELETE") {
    if (queue.remove(old.id)) later("queue", loadQueue, QUEUE_DELAY_MS);
    if (detail.id === old.id) detail.say("", "This job was deleted.");
  } else {
    if (queue.apply(row, eventType, old)) later("queue", loadQueue, QUEUE_DELAY_MS);
    if (detail.apply(row)) {
      later(`logs:${row.id}`, () => loadLogs(row.id), LOGS_DELAY_MS);
      later(`attempts:${row.id}`, () => loadAttempts(row.id), LOGS_DELAY_MS);
    }
    addNamespace(row.namespace);
  }
  later("stats", loadStats, STATS_DELAY_MS);
}

function workerChanged({ eventType, new: row, old }) {
  if (eventType === "DELETE") workers.remove(old.id);
  else workers.upsert(row);
}

/**
 * Runs `work` once, `ms` after the first call with this `key`; calls meanwhile are folded into it,
 * so `key` must name the work exactly (`logs:<job id>`, not just `logs`).
 */
function later(key, work, ms) {
  const s = session;
  if (!s || s.later.has(key)) return;
  s.later.set(
    key,
    setTimeout(() => {
      s.later.delete(key);
      if (session === s) void work();
    }, ms),
  );
}

/** Sends `request` and shows its answer with `show` (one read of a `kind` at a time: see reads.js). */
function load(kind, label, request, show, about = "") {
  const s = session;
  return s?.reads.run(kind, label, () => request(s.client), show, about);
}

function reportRead(kind, problem) {
  if (problem) problems.set(kind, problem);
  else problems.delete(kind);
  ui.problems.textContent = [...problems.values()].join(" ");
}

function refreshAll() {
  return Promise.all([
    loadStats(),
    loadWorkers(),
    loadQueue(),
    loadNamespaces(),
    loadFunctions(),
    detail.id ? loadJob(detail.id) : null,
  ]);
}

const loadStats = () => {
  const namespace = queue.filter.namespace || undefined;
  return load(
    "stats",
    "the statistics",
    (client) => client.admin.jobs.getStats(namespace),
    ({ data }) => stats.render(data, namespace),
    namespace,
  );
};

const loadWorkers = () =>
  load(
    "workers",
    "the workers",
    (client) => client.admin.jobs.listWorkers(),
    ({ data }) => workers.set(data),
  );

const loadFunctions = () =>
  load(
    "functions",
    "the functions",
    (client) => client.admin.jobs.list(),
    ({ data }) => functions.set(data),
  );

const loadQueue = () =>
  load(
    "queue",
    "the queue",
    (client) => client.admin.jobs.listJobs(queue.query()),
    ({ data, count }) => {
      if (data.length === 0 && queue.offset > 0 && count > 0) {
        // The page emptied (jobs left the filter): go to the last page that has jobs.
        queue.offset = Math.floor((count - 1) / queue.limit) * queue.limit;
        void loadQueue();
        return;
      }
      queue.setPage(data, count);
      for (const job of data) addNamespace(job.namespace);
    },
    JSON.stringify(queue.query()),
  );

const loadNamespaces = () =>
  load(
    "namespaces",
    "the namespaces",
    (client) => client.admin.jobs.listNamespaces(),
    ({ data }) => {
      for (const name of data) addNamespace(name);
    },
  );

const loadJob = (id) =>
  load(
    "job",
    "the job",
    (client) => client.admin.jobs.getJob(id),
    ({ data }) => {
      detail.apply(data);
      void loadLogs(id);
      void loadAttempts(id);
    },
    id,
  );

/** The open job's attempts: each run's worker, times, outcome and error (admins may read any job's). */
const loadAttempts = (id) =>
  detail.id === id &&
  load(
    "attempts",
    "the attempts",
    (client) => client.jobs.getAttempts(id),
    ({ data }) => detail.id === id && detail.showAttempts(data),
    id,
  );

/** The open job's lines after the last one shown (admins may read any job's logs). */
const loadLogs = (id) => {
  if (detail.id !== id) return;
  return load(
    "logs",
    "the logs",
    (client) => client.jobs.getLogs(id, detail.lastLine),
    ({ data }) => {
      if (detail.id === id) detail.appendLogs(data);
    },
    id,
  );
};

async function openJob(id, { focus = false } = {}) {
  detail.open(id);
  queue.select(id);
  if (session) followLogs(session, id);
  if (focus) detail.focus();
  await loadJob(id);
}

async function act(action, id) {
  const s = session;
  if (!s) return;
  const text = ACTION_TEXT[action];
  detail.busy(true);
  detail.say(text.doing, "");
  const { data, error } = await s.client.admin.jobs[action](id);
  if (session !== s) return;
  detail.busy(false);
  seen.actions.push({ action, id, ok: !error, status: data?.status ?? null, code: error?.code ?? null });
  if (data) {
    if (queue.apply(data, action === "resubmit" ? "INSERT" : "UPDATE")) later("queue", loadQueue, 0);
    later("stats", loadStats, 0);
  }
  if (detail.id !== id) return; // another job was opened meanwhile: its panel is not about this one
  if (error) detail.say("", `${text.failed}: ${describeError(error)}`);
  else if (action === "resubmit") {
    await openJob(data.id);
    detail.say(`${text.done} as a new job, ${data.id}; status when answered: ${data.status}.`, "");
  } else {
    detail.apply(data);
    detail.say(`${text.done}; status when answered: ${data.status}.`, "");
  }
}

ui.signIn.addEventListener("submit", (event) => {
  event.preventDefault();
  const token = ui.token.value.trim();
  if (token) void signIn(token);
});

// ?token=... signs in at once (handy for links and tests); it is dropped from the address bar.
const fromUrl = new URLSearchParams(location.search).get("token");
if (fromUrl) {
  history.replaceState(null, "", location.pathname + location.hash);
  ui.token.value = fromUrl;
  void signIn(fromUrl);
}
