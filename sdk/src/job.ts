/**
 * `@fluxbase/sdk/job`: everything a job file's types need. Importing it (type-only is enough) also
 * declares the `secrets` global the sandbox installs, so a job type-checks without a `declare` of its own.
 */
export type { FluxbaseClient } from "./FluxbaseClient.ts";
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

import type { JobSecrets } from "./handler.ts";

declare global {
  /** A job's secrets (only inside a job run): the user's value of a name wins over the system value. */
  var secrets: JobSecrets;
}
