/**
 * Every `/api/v1` operation as the OpenAPI document describes it: path, summary, who may call it,
 * and the zod schemas that validate its body and query (the same objects the routes use), so the
 * description cannot drift from what the server accepts. test/http/openapi.test.ts fails when a
 * route of the app is missing here.
 */
import type { z } from "zod";
import { createBody as createFunctionBody, syncBody, updateBody } from "../functionSchemas.ts";
import { statsQuery, timelineQuery } from "../routes/adminJobs.ts";
import { createKeyBody } from "../routes/adminKeys.ts";
import { chatBody, embedBody } from "../routes/ai.ts";
import { emitBody, eventsQuery } from "../routes/events.ts";
import {
  adminBody as adminSecretBody,
  adminScopeQuery as adminSecretScope,
  adminListQuery as adminSecretsQuery,
  userBody as userSecretBody,
  userScopeQuery as userSecretScope,
} from "../routes/secrets.ts";
import { historyQuery, overrideBody, toggleBody, getQuery as toggleQuery } from "../routes/toggles.ts";
import {
  createBody as createWebhookBody,
  pageQuery as deliveriesQuery,
  patchBody as patchWebhookBody,
} from "../routes/webhooks.ts";
import { createScheduleBody, patchScheduleBody, scheduleListQuery } from "../scheduleSchemas.ts";
import { adminListQuery, bulkBody, listQuery, logsQuery, purgeQuery, submitBody } from "../schemas.ts";

/** Who may call it: any token (user), an admin's or the service key (admin), no token (none). */
export type Caller = "user" | "admin" | "none";

export interface Operation {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** Hono's form (`/api/v1/jobs/:id`). */
  path: string;
  summary: string;
  tag: string;
  caller: Caller;
  body?: z.ZodType;
  query?: z.ZodType;
  /** The success status. @default 200 */
  status?: number;
  /** Error statuses beside those every authenticated call may answer (400, 401, 403). */
  errors?: number[];
}

const op = (
  method: Operation["method"],
  path: string,
  tag: string,
  caller: Caller,
  summary: string,
  extra: Partial<Operation> = {},
): Operation => ({ method, path: `/api/v1${path}`, tag, caller, summary, ...extra });

const jobs = "Jobs";
const admin = "Admin: jobs";
const fns = "Admin: functions";
const schedules = "Admin: schedules";

export const operations: Operation[] = [
  op("post", "/jobs/submit", jobs, "user", "Submit a job", {
    body: submitBody,
    status: 201,
    errors: [404, 409, 413],
  }),
  op("get", "/jobs", jobs, "user", "List your jobs", { query: listQuery }),
  op("get", "/jobs/:id", jobs, "user", "Get one of your jobs", { errors: [404] }),
  op("get", "/jobs/:id/logs", jobs, "user", "A job's log lines", { query: logsQuery, errors: [404] }),
  op("get", "/jobs/:id/attempts", jobs, "user", "A job's attempts", { errors: [404] }),
  op("post", "/jobs/:id/cancel", jobs, "user", "Cancel your job", { errors: [404, 409] }),
  op("post", "/jobs/:id/retry", jobs, "user", "Retry your failed job", { errors: [404, 409] }),
  op("post", "/events", "Events", "user", "Emit a named event", {
    body: emitBody,
    status: 201,
    errors: [413],
  }),
  op("get", "/events", "Events", "user", "List your events", { query: eventsQuery }),

  op("get", "/admin/jobs/namespaces", admin, "admin", "Namespaces with functions or jobs"),
  op("get", "/admin/jobs/queue", admin, "admin", "List everyone's jobs", { query: adminListQuery }),
  op("delete", "/admin/jobs/queue", admin, "admin", "Purge finished jobs", { query: purgeQuery }),
  op("post", "/admin/jobs/queue/bulk", admin, "admin", "Retry, cancel or delete many jobs", {
    body: bulkBody,
  }),
  op("get", "/admin/jobs/queue/:id", admin, "admin", "Get any job", { errors: [404] }),
  op("post", "/admin/jobs/queue/:id/cancel", admin, "admin", "Cancel a job", { errors: [404, 409] }),
  op("post", "/admin/jobs/queue/:id/terminate", admin, "admin", "Terminate a running job", {
    errors: [404, 409],
  }),
  op("post", "/admin/jobs/queue/:id/retry", admin, "admin", "Retry a failed job", { errors: [404, 409] }),
  op("post", "/admin/jobs/queue/:id/resubmit", admin, "admin", "Submit a copy of a job", {
    status: 201,
    errors: [404, 409],
  }),
  op("get", "/admin/jobs/events", admin, "admin", "List everyone's events", { query: eventsQuery }),
  op("get", "/admin/jobs/stats", admin, "admin", "Counts per status and function", { query: statsQuery }),
  op("get", "/admin/jobs/stats/timeline", admin, "admin", "Jobs ended per minute (hour) or per hour (day)", {
    query: timelineQuery,
  }),
  op("get", "/admin/jobs/workers", admin, "admin", "Workers and their load"),
  op("get", "/admin/jobs/paused", admin, "admin", "What is paused"),
  op("post", "/admin/jobs/namespaces/:namespace/pause", admin, "admin", "Pause a namespace"),
  op("post", "/admin/jobs/namespaces/:namespace/resume", admin, "admin", "Resume a namespace"),

  op("get", "/admin/jobs/functions", fns, "admin", "List job functions"),
  op("get", "/admin/jobs/functions/:name", fns, "admin", "Get a function of the default namespace", {
    errors: [404],
  }),
  op("get", "/admin/jobs/functions/:namespace/:name", fns, "admin", "Get a function", { errors: [404] }),
  op("post", "/admin/jobs/functions", fns, "admin", "Upload a function", {
    body: createFunctionBody,
    status: 201,
    errors: [409, 413],
  }),
  op("put", "/admin/jobs/functions/:namespace/:name", fns, "admin", "Update a function", {
    body: updateBody,
    errors: [404, 409, 413],
  }),
  op("delete", "/admin/jobs/functions/:namespace/:name", fns, "admin", "Delete a function", {
    errors: [404, 409],
  }),
  op("post", "/admin/jobs/sync", fns, "admin", "Sync a namespace's functions", {
    body: syncBody,
    errors: [413],
  }),
  op("post", "/admin/jobs/functions/:name/pause", fns, "admin", "Pause a function of the default namespace"),
  op(
    "post",
    "/admin/jobs/functions/:name/resume",
    fns,
    "admin",
    "Resume a function of the default namespace",
  ),
  op("post", "/admin/jobs/functions/:namespace/:name/pause", fns, "admin", "Pause a function"),
  op("post", "/admin/jobs/functions/:namespace/:name/resume", fns, "admin", "Resume a function"),

  op("get", "/admin/jobs/schedules", schedules, "admin", "List schedules", { query: scheduleListQuery }),
  op("post", "/admin/jobs/schedules", schedules, "admin", "Create a schedule", {
    body: createScheduleBody,
    status: 201,
    errors: [404, 409],
  }),
  op("get", "/admin/jobs/schedules/:id", schedules, "admin", "Get a schedule", { errors: [404] }),
  op("patch", "/admin/jobs/schedules/:id", schedules, "admin", "Update a schedule", {
    body: patchScheduleBody,
    errors: [404, 409],
  }),
  op("delete", "/admin/jobs/schedules/:id", schedules, "admin", "Delete a schedule", { errors: [404, 409] }),
  op("post", "/admin/jobs/schedules/:id/trigger", schedules, "admin", "Run a schedule now", {
    status: 201,
    errors: [404, 409],
  }),
  op("post", "/admin/jobs/schedules/:id/pause", schedules, "admin", "Pause a schedule", { errors: [404] }),
  op("post", "/admin/jobs/schedules/:id/resume", schedules, "admin", "Resume a schedule", { errors: [404] }),

  op("get", "/admin/secrets", "Admin: secrets", "admin", "List secrets (names only)", {
    query: adminSecretsQuery,
  }),
  op("get", "/admin/secrets/:name", "Admin: secrets", "admin", "A secret's metadata", {
    query: adminSecretScope,
    errors: [404],
  }),
  op("put", "/admin/secrets/:name", "Admin: secrets", "admin", "Set a secret", {
    body: adminSecretBody,
    errors: [413],
  }),
  op("delete", "/admin/secrets/:name", "Admin: secrets", "admin", "Delete a secret", {
    query: adminSecretScope,
    errors: [404],
  }),
  op("get", "/secrets", "Secrets", "user", "List your secrets (names only)", { query: userSecretScope }),
  op("get", "/secrets/:name", "Secrets", "user", "Your secret's metadata", {
    query: userSecretScope,
    errors: [404],
  }),
  op("put", "/secrets/:name", "Secrets", "user", "Set your secret", { body: userSecretBody, errors: [413] }),
  op("delete", "/secrets/:name", "Secrets", "user", "Delete your secret", {
    query: userSecretScope,
    errors: [404],
  }),

  op("get", "/admin/webhooks", "Admin: webhooks", "admin", "List webhooks"),
  op("post", "/admin/webhooks", "Admin: webhooks", "admin", "Create a webhook", {
    body: createWebhookBody,
    status: 201,
  }),
  op("get", "/admin/webhooks/:id", "Admin: webhooks", "admin", "Get a webhook", { errors: [404] }),
  op("patch", "/admin/webhooks/:id", "Admin: webhooks", "admin", "Update a webhook", {
    body: patchWebhookBody,
    errors: [404],
  }),
  op("delete", "/admin/webhooks/:id", "Admin: webhooks", "admin", "Delete a webhook", { errors: [404] }),
  op("get", "/admin/webhooks/:id/deliveries", "Admin: webhooks", "admin", "A webhook's deliveries", {
    query: deliveriesQuery,
    errors: [404],
  }),
  op("get", "/admin/keys", "Admin: API keys", "admin", "List API keys (never their secrets)"),
  op("post", "/admin/keys", "Admin: API keys", "admin", "Create an API key (shown once)", {
    body: createKeyBody,
    status: 201,
    errors: [409],
  }),
  op("delete", "/admin/keys/:name", "Admin: API keys", "admin", "Revoke an API key", { errors: [404] }),
  op(
    "get",
    "/admin/storage/buckets",
    "Admin: storage",
    "admin",
    "Every bucket with its object count and bytes",
  ),
  op("get", "/webhooks/public-key", "Webhooks", "none", "The key webhook signatures verify with"),

  op("get", "/admin/toggles", "Admin: toggles", "admin", "List feature toggles"),
  op("get", "/admin/toggles/:id", "Admin: toggles", "admin", "Get a toggle", {
    query: toggleQuery,
    errors: [404],
  }),
  op("get", "/admin/toggles/:id/history", "Admin: toggles", "admin", "A toggle's changes", {
    query: historyQuery,
    errors: [404],
  }),
  op("put", "/admin/toggles/:id", "Admin: toggles", "admin", "Create or update a toggle", {
    body: toggleBody,
  }),
  op("delete", "/admin/toggles/:id", "Admin: toggles", "admin", "Delete a toggle", { errors: [404, 409] }),
  op(
    "put",
    "/admin/toggles/:id/tenants/:tenant",
    "Admin: toggles",
    "admin",
    "Override a toggle for a tenant",
    { body: overrideBody, errors: [404] },
  ),
  op(
    "delete",
    "/admin/toggles/:id/tenants/:tenant",
    "Admin: toggles",
    "admin",
    "Remove a tenant's override",
    { errors: [404] },
  ),
  op("get", "/toggles/:id", "Toggles", "user", "Whether a toggle is on for you", { errors: [404] }),
  op("post", "/ai/chat", "AI", "user", "A chat completion for a running job (job.ai.chat)", {
    body: chatBody,
    errors: [404, 413, 429, 502, 503],
  }),
  op("post", "/ai/embed", "AI", "user", "An embedding for a running job (job.ai.embed)", {
    body: embedBody,
    errors: [404, 413, 429, 502, 503],
  }),
  op("get", "/ai/providers", "AI", "user", "The configured AI providers"),
  op("get", "/openapi.json", "Meta", "none", "This document"),
];
