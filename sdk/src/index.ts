/**
 * @fluxbase/sdk — the client for Fluxbase background jobs, realtime and REST.
 * Runs in browsers, Node 20+ and Deno; every method resolves to `{ data, error }` and never throws.
 */

export type { Bucket, FileObject, StorageClient, StorageError } from "@supabase/storage-js";
export { AdminClient } from "./admin/AdminClient.ts";
export {
  AdminJobsClient,
  type BulkJobsFilter,
  type BulkJobsResult,
  type PausedQueue,
  type PurgeJobsFilter,
  type QueueTarget,
} from "./admin/AdminJobsClient.ts";
export type { ApiKey, ApiKeyScope, CreateApiKeyInput } from "./admin/AdminKeysClient.ts";
export { AdminKeysClient } from "./admin/AdminKeysClient.ts";
export { AdminSchedulesClient } from "./admin/AdminSchedulesClient.ts";
export { AdminStorageClient, type BucketUsage } from "./admin/AdminStorageClient.ts";
export { AdminTogglesClient } from "./admin/AdminTogglesClient.ts";
export { AdminWebhooksClient } from "./admin/AdminWebhooksClient.ts";
export type {
  CreateScheduleInput,
  ListSchedulesOptions,
  Schedule,
  UpdateScheduleInput,
} from "./admin/scheduleTypes.ts";
export type {
  AdminListJobsOptions,
  CreateJobFunctionInput,
  JobFunction,
  JobFunctionPermissions,
  JobStats,
  JobStatusCounts,
  JobTimeline,
  JobWorker,
  SyncJobInput,
  SyncJobsInput,
  SyncJobsResult,
  UpdateJobFunctionInput,
} from "./admin/types.ts";
export type {
  CreateWebhookInput,
  UpdateWebhookInput,
  Webhook,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEvent,
} from "./admin/webhookTypes.ts";
export { FluxbaseAuth, type FluxbaseSession } from "./auth/FluxbaseAuth.ts";
export { createClient } from "./createClient.ts";
export { type FluxbaseClientErrorCode, FluxbaseError } from "./errors.ts";
export { EventsClient } from "./events/EventsClient.ts";
export type { EmittedEvent, EventJob, FluxbaseEvent, ListEventsOptions } from "./events/types.ts";
export { FluxbaseClient } from "./FluxbaseClient.ts";
export type {
  JobAi,
  JobAiMessage,
  JobContext,
  JobEvents,
  JobHandler,
  JobSecrets,
  JobToggles,
  JobUser,
  JobUtils,
} from "./handler.ts";
export type { FetchLike } from "./http/HttpClient.ts";
export { JobsClient } from "./jobs/JobsClient.ts";
export {
  type Job,
  type JobAttempt,
  type JobLogLine,
  type JobPage,
  type JobProgress,
  type JobStatus,
  type JobTrigger,
  type ListJobsOptions,
  type OnBehalfOf,
  type SubmitJobOptions,
  TERMINAL_JOB_STATUSES,
} from "./jobs/types.ts";
export type { WaitForJobOptions } from "./jobs/waitForJob.ts";
export type { FluxbaseClientConfig, FluxbaseClientOptions } from "./options.ts";
export { FluxbaseChannel } from "./realtime/FluxbaseChannel.ts";
export { type FluxbaseChannelOptions, FluxbaseRealtime } from "./realtime/FluxbaseRealtime.ts";
export type {
  FluxbaseRealtimeOptions,
  RealtimeChangePayload,
  RealtimeChangesFilter,
  RealtimeSubscribeStatus,
  RealtimeTableEvent,
  WebSocketTransport,
} from "./realtime/types.ts";
export type {
  FluxbaseFailure,
  FluxbaseListResponse,
  FluxbaseResponse,
  FluxbaseSuccess,
} from "./response.ts";
export { TogglesClient } from "./toggles/TogglesClient.ts";
export type {
  SetToggleInput,
  Toggle,
  ToggleChange,
  ToggleDetail,
  ToggleOverride,
  ToggleSummary,
  ToggleValue,
} from "./toggles/types.ts";
