/**
 * Runs work inside one transaction as the caller: the Postgres role and the JWT claims are set with
 * transaction-local settings (SET LOCAL semantics), so row-level security decides what the caller sees
 * and nothing survives into the next use of the pooled connection, even after an error.
 */
import type { Sql, Tx } from "./createSql.ts";

export type DbRole = "anon" | "authenticated" | "service_role";

export interface DbIdentity {
  /** Already allow-listed; never taken from user input unchecked. */
  dbRole: DbRole;
  claims: Record<string, unknown>;
}

const allowed: ReadonlySet<string> = new Set(["anon", "authenticated", "service_role"]);

export async function withClaims<T>(
  sql: Sql,
  identity: DbIdentity,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  if (!allowed.has(identity.dbRole)) throw new Error(`refusing to run as database role ${identity.dbRole}`);
  return (await sql.begin(async (tx) => {
    // Sent without waiting, so the work's first statement is pipelined right behind it (one round
    // trip saved per request). Statements run in order on the connection; if this one failed, the
    // transaction is aborted, the work fails, and postgres.js reports this root cause instead.
    const setup =
      tx`select set_config('role', ${identity.dbRole}, true), set_config('request.jwt.claims', ${JSON.stringify(identity.claims)}, true)`.execute();
    const result = await work(tx);
    await setup;
    return result;
  })) as T;
}

/** The identity internal parts of the server (workers, loader, scheduler) act as. */
export const serviceIdentity: DbIdentity = { dbRole: "service_role", claims: { role: "service_role" } };

export function asService<T>(sql: Sql, work: (tx: Tx) => Promise<T>): Promise<T> {
  return withClaims(sql, serviceIdentity, work);
}
