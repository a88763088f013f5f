/** The postgres.js pool every part of the server shares (LISTEN gets its own connection from it). */
import postgres from "postgres";

export type Sql = postgres.Sql<{}>;
export type Tx = postgres.TransactionSql<{}>;

export interface CreateSqlOptions {
  /** @default 10 */
  max?: number;
  /** Shown in pg_stat_activity. @default "fluxbase" */
  applicationName?: string;
  /**
   * Run every statement of this pool as this role (set at connection start-up). Workers use
   * `service_role` so that forced RLS holds even when the login user owns the tables.
   */
  role?: "service_role";
}

export function createSql(url: string, options: CreateSqlOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    idle_timeout: 60,
    connect_timeout: 10,
    // postgres.js waits up to 20 s (growing with every failed attempt) before reconnecting; after an
    // outage the kept run writes should land within about a second of the database being back.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    connection: {
      application_name: options.applicationName ?? "fluxbase",
      ...(options.role ? { options: `-c role=${options.role}` } : {}),
    } as Record<string, string>,
    transform: { undefined: null },
  });
}
