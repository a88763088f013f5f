/**
 * Start-up's first contact with the database. A database that is not up yet (a container starting
 * beside the server, Postgres recovering) is waited for, up to FLUXBASE_DATABASE_WAIT, and the log
 * says so; what waiting cannot fix (a wrong password, a missing database) stops start-up at once.
 * Either way the failure is one ConfigError line naming the setting and what to do, never a stack.
 */
import postgres from "postgres";
import { ConfigError } from "../errors.ts";
import type { Logger } from "../log.ts";

export interface WaitForDatabaseOptions {
  /** Milliseconds to keep trying while the database cannot be reached. */
  waitMs: number;
  logger: Logger;
  /** Names the setting the URL came from, in messages. @default "FLUXBASE_DATABASE_URL" */
  setting?: string;
}

/** SQLSTATEs that mean "not ready yet": the server is starting, shutting down or recovering. */
const NOT_READY = new Set(["57P03", "57P01", "57P02", "53300"]);

export async function waitForDatabase(url: string, options: WaitForDatabaseOptions): Promise<void> {
  const { waitMs, logger, setting = "FLUXBASE_DATABASE_URL" } = options;
  const parsed = new URL(url);
  const where = `${parsed.hostname}:${parsed.port || "5432"}`;
  const user = decodeURIComponent(parsed.username || "postgres");
  const database = decodeURIComponent(parsed.pathname.slice(1) || user);
  const deadline = Date.now() + waitMs;
  let announced = false;
  for (;;) {
    const error = await probe(url, Math.max(1, Math.min(10, Math.ceil(waitMs / 1000))));
    if (!error) {
      if (announced) logger.info(`the database at ${where} is up`);
      return;
    }
    const code = (error as { code?: string }).code ?? "";
    switch (code) {
      case "28P01":
      case "28000":
        throw new ConfigError(
          `The database at ${where} refused user "${user}" (${oneLine(error)}). Fix the user and password in ${setting}.`,
        );
      case "3D000":
        throw new ConfigError(
          `The database "${database}" does not exist at ${where}. Create it (createdb ${database}) or name another one in ${setting}.`,
        );
    }
    if (!retryable(code)) {
      throw new ConfigError(`Could not use the database at ${where} (${setting}): ${oneLine(error)}`);
    }
    if (Date.now() >= deadline) {
      throw new ConfigError(
        `Could not reach the database at ${where} (${setting}) within ${formatMs(waitMs)}: ${oneLine(error)}. Start it, or fix ${setting}; FLUXBASE_DATABASE_WAIT sets how long start-up waits.`,
      );
    }
    if (!announced) {
      logger.info(`waiting for the database at ${where} (up to ${formatMs(waitMs)}): ${oneLine(error)}`);
      announced = true;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, Math.max(0, deadline - Date.now()))));
  }
}

/** One connection, one `select 1`; the error when it fails. */
async function probe(url: string, connectTimeoutSeconds: number): Promise<Error | undefined> {
  const sql = postgres(url, { max: 1, connect_timeout: connectTimeoutSeconds, onnotice: () => {} });
  try {
    await sql`select 1`;
    return undefined;
  } catch (error) {
    return error as Error;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

function retryable(code: string): boolean {
  return (
    NOT_READY.has(code) ||
    [
      "ECONNREFUSED",
      "ECONNRESET",
      "ETIMEDOUT",
      "EHOSTUNREACH",
      "ENETUNREACH",
      "ENOTFOUND",
      "EAI_AGAIN",
    ].includes(code) ||
    code === "CONNECT_TIMEOUT" ||
    code === "CONNECTION_CLOSED" ||
    code === "CONNECTION_ENDED"
  );
}

const oneLine = (error: Error) => {
  const code = (error as { code?: string }).code;
  const text = error.message.replace(/\s+/g, " ").trim();
  return code && !text.includes(code) ? `${text} [${code}]` : text;
};

const formatMs = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);
