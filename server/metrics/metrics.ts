/**
 * The process's Prometheus metrics (prom-client), one registry per Fluxbase instance so two
 * instances in one process never share counters. Components report events through the small
 * methods below and register gauges' sources with `observe*`; nothing here queries on its own
 * except the queue counts, which are cached (`queueCountsTtl`) so a scrape is cheap.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface SlotCounts {
  busy: number;
  total: number;
}

export interface RealtimeCounts {
  connections: number;
  subscriptions: number;
}

export interface QueueCountRow {
  namespace: string;
  job_name: string;
  status: string;
  count: number;
}

export interface Metrics {
  readonly registry: Registry;
  httpRequest(method: string, route: string, status: number, seconds: number): void;
  runFinished(jobName: string, kind: string, outcome: string, seconds: number): void;
  retryScheduled(jobName: string): void;
  pickedUp(lane: string, seconds: number): void;
  delivery(channel: "email" | "webhook", outcome: "delivered" | "retry" | "failed"): void;
  /** One AI call (job.ai, ctx.ai): its provider, outcome (ok or the error code) and tokens. */
  aiCall(provider: string, kind: "chat" | "embed", outcome: string, tokens: number): void;
  observeSlots(source: () => SlotCounts): void;
  /** Warm Deno processes kept for sandboxed functions (idle or serving a run). */
  observeWarmProcesses(source: () => number): void;
  observeRealtime(source: () => RealtimeCounts): void;
  observeQueue(source: () => Promise<QueueCountRow[]>): void;
}

/** How long a scrape reuses the last queue counts. */
export const queueCountsTtl = 10_000;

const durationBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];
const pickupBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60];
const httpBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "fluxbase_" });
  const slotSources: (() => SlotCounts)[] = [];
  const realtimeSources: (() => RealtimeCounts)[] = [];
  const warmSources: (() => number)[] = [];
  let queueSource: (() => Promise<QueueCountRow[]>) | undefined;
  let cached: { at: number; rows: QueueCountRow[] } | undefined;

  const httpRequests = new Counter({
    name: "fluxbase_http_requests_total",
    help: "HTTP requests by method, route pattern and status",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: "fluxbase_http_request_duration_seconds",
    help: "HTTP request duration by method and route pattern",
    labelNames: ["method", "route"],
    buckets: httpBuckets,
    registers: [registry],
  });
  const runDuration = new Histogram({
    name: "fluxbase_job_run_duration_seconds",
    help: "Run time of job attempts by function, kind (sandboxed|handler) and outcome",
    labelNames: ["job_name", "kind", "outcome"],
    buckets: durationBuckets,
    registers: [registry],
  });
  const retries = new Counter({
    name: "fluxbase_job_retries_total",
    help: "Failed attempts that were scheduled to run again, by function",
    labelNames: ["job_name"],
    registers: [registry],
  });
  const pickup = new Histogram({
    name: "fluxbase_job_pickup_latency_seconds",
    help: "Time from when a job was due to when a worker claimed it, by lane",
    labelNames: ["lane"],
    buckets: pickupBuckets,
    registers: [registry],
  });
  const deliveries = new Counter({
    name: "fluxbase_notification_deliveries_total",
    help: "Mail and webhook delivery attempts by channel and outcome",
    labelNames: ["channel", "outcome"],
    registers: [registry],
  });
  const aiCalls = new Counter({
    name: "fluxbase_ai_requests_total",
    help: "AI calls made for jobs, by provider, kind (chat, embed) and outcome (ok or the error code)",
    labelNames: ["provider", "kind", "outcome"],
    registers: [registry],
  });
  const aiTokens = new Counter({
    name: "fluxbase_ai_tokens_total",
    help: "Tokens the AI providers reported for jobs' calls, by provider and kind",
    labelNames: ["provider", "kind"],
    registers: [registry],
  });
  new Gauge({
    name: "fluxbase_worker_slots",
    help: "Job slots of this process's workers, busy and total",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const sum = slotSources.reduce(
        (acc, source) => {
          const counts = source();
          return { busy: acc.busy + counts.busy, total: acc.total + counts.total };
        },
        { busy: 0, total: 0 },
      );
      this.set({ state: "busy" }, sum.busy);
      this.set({ state: "total" }, sum.total);
    },
  });
  new Gauge({
    name: "fluxbase_sandbox_warm_processes",
    help: "Warm Deno processes kept for sandboxed functions, idle or serving a run",
    registers: [registry],
    collect() {
      this.set(warmSources.reduce((n, source) => n + source(), 0));
    },
  });
  new Gauge({
    name: "fluxbase_realtime_connections",
    help: "Open realtime WebSocket connections",
    registers: [registry],
    collect() {
      this.set(realtimeSources.reduce((n, source) => n + source().connections, 0));
    },
  });
  new Gauge({
    name: "fluxbase_realtime_subscriptions",
    help: "Channel subscriptions on open realtime connections",
    registers: [registry],
    collect() {
      this.set(realtimeSources.reduce((n, source) => n + source().subscriptions, 0));
    },
  });
  new Gauge({
    name: "fluxbase_jobs",
    help: `Jobs in the queue by namespace, function and status (refreshed at most every ${queueCountsTtl / 1000} s)`,
    labelNames: ["namespace", "job_name", "status"],
    registers: [registry],
    async collect() {
      if (!queueSource) return;
      if (!cached || Date.now() - cached.at > queueCountsTtl) {
        cached = { at: Date.now(), rows: await queueSource() };
      }
      this.reset();
      for (const row of cached.rows) {
        this.set({ namespace: row.namespace, job_name: row.job_name, status: row.status }, row.count);
      }
    },
  });

  return {
    registry,
    httpRequest(method, route, status, seconds) {
      httpRequests.inc({ method, route, status: String(status) });
      httpDuration.observe({ method, route }, seconds);
    },
    runFinished(jobName, kind, outcome, seconds) {
      runDuration.observe({ job_name: jobName, kind, outcome }, seconds);
    },
    retryScheduled(jobName) {
      retries.inc({ job_name: jobName });
    },
    pickedUp(lane, seconds) {
      pickup.observe({ lane }, Math.max(0, seconds));
    },
    delivery(channel, outcome) {
      deliveries.inc({ channel, outcome });
    },
    aiCall(provider, kind, outcome, tokens) {
      aiCalls.inc({ provider, kind, outcome });
      if (tokens > 0) aiTokens.inc({ provider, kind }, tokens);
    },
    observeSlots(source) {
      slotSources.push(source);
    },
    observeWarmProcesses(source) {
      warmSources.push(source);
    },
    observeRealtime(source) {
      realtimeSources.push(source);
    },
    observeQueue(source) {
      queueSource = source;
      cached = undefined;
    },
  };
}
