/**
 * The environment a job sees. Built from an allow-list, never by copying process.env: the server's
 * environment holds the JWT secret, the database URL and the encryption key.
 */

/** Names that look like secrets are never passed, whatever a function's annotations ask for. */
const SECRET_NAME = /KEY|SECRET|PASSWORD|TOKEN|PRIVATE|CREDENTIAL|DATABASE_URL|DSN/i;

/** Names that would steer Deno or the dynamic linker rather than inform the job. */
const RESERVED_NAME = /^(?:DENO_|LD_|DYLD_|RUST_|V8_|NODE_)|^(?:HOME|NO_COLOR|PATH)$/i;

/** The server's own paths: where its secrets and database live is none of a job's business. */
const SERVER_PATH_NAME = /^FLUXBASE_(?:DATA_DIR|CONFIG|DB_MIGRATIONS_DIR|HANDLERS|JOBS_DIR|STORAGE_DIR)$/;

/** What a name must look like to be listed in `--allow-env` (a comma would split the flag). */
const VALID_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isSecretEnvName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** True when a variable of this name may reach a job at all. */
export function isPassableEnvName(name: string): boolean {
  return (
    VALID_NAME.test(name) &&
    !RESERVED_NAME.test(name) &&
    !SECRET_NAME.test(name) &&
    !SERVER_PATH_NAME.test(name)
  );
}

export interface JobEnvExtra {
  serverUrl: string;
  jobId: string;
  jobName: string;
  namespace: string;
  cancelled: boolean;
}

/**
 * The variables a job run gets:
 * - FLUXBASE_URL, FLUXBASE_JOB_ID, FLUXBASE_JOB_NAME, FLUXBASE_JOB_NAMESPACE, FLUXBASE_JOB_CANCELLED;
 * - every other FLUXBASE_* variable of the server whose name does not look like a secret;
 * - the names listed by `@fluxbase:allow-env` (exact, or a prefix ending in `*`), with the same
 *   secret filter: a name containing KEY, SECRET, PASSWORD, TOKEN, PRIVATE, CREDENTIAL,
 *   DATABASE_URL or DSN is withheld even when listed. Secrets reach jobs through `secrets.get()`,
 *   whose values are masked in the job's logs. Names that steer the runtime (DENO_*, LD_*, NODE_*,
 *   HOME, PATH, ...) are withheld too, and so are the server's own paths (FLUXBASE_DATA_DIR,
 *   FLUXBASE_CONFIG, FLUXBASE_DB_MIGRATIONS_DIR, FLUXBASE_HANDLERS, FLUXBASE_JOBS_DIR,
 *   FLUXBASE_STORAGE_DIR).
 */
export function buildJobEnv(
  processEnv: NodeJS.ProcessEnv,
  extra: JobEnvExtra,
  allowEnv: string[],
): Record<string, string> {
  const exact = new Set(allowEnv.filter((name) => !name.endsWith("*")));
  const prefixes = allowEnv.filter((name) => name.endsWith("*")).map((name) => name.slice(0, -1));
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(processEnv)) {
    if (value === undefined || !isPassableEnvName(name)) continue;
    const wanted =
      name.startsWith("FLUXBASE_") || exact.has(name) || prefixes.some((p) => name.startsWith(p));
    if (wanted) env[name] = value;
  }
  env.FLUXBASE_URL = extra.serverUrl;
  env.FLUXBASE_JOB_ID = extra.jobId;
  env.FLUXBASE_JOB_NAME = extra.jobName;
  env.FLUXBASE_JOB_NAMESPACE = extra.namespace;
  env.FLUXBASE_JOB_CANCELLED = extra.cancelled ? "true" : "false";
  return env;
}

/** The host's own second look at a caller's env: drops anything `buildJobEnv` would never produce. */
export function sanitizeJobEnv(env: Record<string, string>): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === "string" && isPassableEnvName(name) && !value.includes("\0")) clean[name] = value;
  }
  return clean;
}
