/**
 * The one place that makes the database act as a caller: it sets the Postgres role (allow-listed) and
 * `request.jwt.claims` as transaction-local settings (SET LOCAL semantics), so row-level security
 * decides what the caller sees and nothing survives into the next use of a pooled connection, even
 * after an error. `withClaims` runs work inside a transaction; `queryAs` pipelines one statement's
 * whole transaction (BEGIN, the settings, the statement, COMMIT) in a single round trip for the hot
 * paths (REST, submit); `queryAsAll` does the same for several callers at once (submits that
 * arrive together); `readRowAsEach` reads one row as each of several identities (realtime) through
 * the database function that is this module's other half (migration 0030). A test fails if
 * `request.jwt.claims` is set anywhere else in the server or the migrations.
 */
import type { Sql, Tx } from "./createSql.ts";

/** The only Postgres roles a caller ever runs as. */
export const dbRoles = ["anon", "authenticated", "service_role"] as const;
export type DbRole = (typeof dbRoles)[number];

export interface DbIdentity {
  /** Already allow-listed; never taken from user input unchecked. */
  dbRole: DbRole;
  claims: Record<string, unknown>;
}

const allowed: ReadonlySet<string> = new Set(dbRoles);
const setClaimsText = "select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)";

function checkedSettings(identity: DbIdentity): [DbRole, string] {
  if (!allowed.has(identity.dbRole)) throw new Error(`refusing to run as database role ${identity.dbRole}`);
  return [identity.dbRole, JSON.stringify(identity.claims)];
}

/**
 * Switches an open transaction to `identity` for the statements that follow (until the transaction
 * ends or the next switch). The query is returned unawaited so a caller may pipeline behind it.
 */
export function actAs(tx: Tx, identity: DbIdentity) {
  const [role, claims] = checkedSettings(identity);
  return tx`select set_config('role', ${role}, true), set_config('request.jwt.claims', ${claims}, true)`;
}

export async function withClaims<T>(
  sql: Sql,
  identity: DbIdentity,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  checkedSettings(identity);
  return (await sql.begin(async (tx) => {
    // Sent without waiting, so the work's first statement is pipelined right behind it (one round
    // trip saved per request). Statements run in order on the connection; if this one failed, the
    // transaction is aborted, the work fails, and postgres.js reports this root cause instead.
    const setup = actAs(tx, identity).execute();
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

export interface QueryAsOptions<T> {
  /** `begin read only`; default true. */
  readOnly?: boolean;
  /** Prepare (name and cache) the statement on the connection; default true. */
  prepare?: boolean;
  /**
   * Looks at the rows before the transaction ends: true commits, false rolls back. Costs a second
   * round trip (the end of the transaction cannot be pipelined when it depends on the answer).
   */
  commitIf?: (rows: T[]) => boolean;
}

/**
 * Sends queries back to back on one connection, in one round trip, and waits for all of them: their
 * results in order, or the first failure (the cause of those after it, in an aborted transaction).
 */
async function pipeline(queries: readonly ReturnType<Sql["unsafe"]>[]): Promise<unknown[]> {
  for (const query of queries) query.execute();
  const settled = await Promise.allSettled(queries);
  const failed = settled.find((result) => result.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value);
}

/**
 * One statement as a caller in a single round trip: BEGIN, the role and claims, the statement and
 * COMMIT are pipelined on one reserved connection. The settings statement is prepared once per
 * connection, so a warm connection needs no Parse/Describe round trip either.
 */
export async function queryAs<T>(
  sql: Sql,
  identity: DbIdentity,
  text: string,
  params: readonly unknown[],
  options: QueryAsOptions<T> = {},
): Promise<T[]> {
  const settings = checkedSettings(identity);
  const decideLater = options.commitIf !== undefined;
  const conn = await sql.reserve();
  try {
    const queries = [
      conn.unsafe(options.readOnly === false ? "begin" : "begin read only"),
      conn.unsafe(setClaimsText, settings, { prepare: true }),
      conn.unsafe(text, params as never[], { prepare: options.prepare ?? true }),
      ...(decideLater ? [] : [conn.unsafe("commit")]),
    ];
    let results: unknown[];
    try {
      results = await pipeline(queries);
    } catch (error) {
      // A failed statement leaves the transaction aborted; a pipelined COMMIT already ended it as a
      // rollback, otherwise it is rolled back here.
      if (decideLater) await conn.unsafe("rollback").catch(() => {});
      throw error;
    }
    const rows = results[2] as T[];
    if (options.commitIf) await conn.unsafe(options.commitIf(rows) ? "commit" : "rollback");
    return rows;
  } finally {
    conn.release();
  }
}

export interface CallerStatement {
  identity: DbIdentity;
  text: string;
  params: readonly unknown[];
}

/**
 * Several callers' statements in one transaction, one round trip and one commit: each statement runs
 * right after its own caller's role and claims are set, so RLS decides it as that caller. All or
 * nothing: if one statement fails, nothing is written and its error is thrown (callers that need
 * their own answers then send their statements apart). Per statement: its rows. Submits that arrive
 * together share a transaction this way.
 */
export async function queryAsAll<T>(sql: Sql, statements: readonly CallerStatement[]): Promise<T[][]> {
  const settings = statements.map((statement) => checkedSettings(statement.identity));
  const conn = await sql.reserve();
  try {
    // Every query in the order it is sent, so the first failure is the cause of the ones after it.
    const sent = [conn.unsafe("begin")];
    for (const [i, statement] of statements.entries()) {
      sent.push(
        conn.unsafe(setClaimsText, settings[i]!, { prepare: true }),
        conn.unsafe(statement.text, statement.params as never[], { prepare: true }),
      );
    }
    // After a failure the transaction is aborted, and this COMMIT ends it as a rollback.
    sent.push(conn.unsafe("commit"));
    const results = await pipeline(sent);
    return statements.map((_, i) => results[2 + 2 * i] as T[]);
  } finally {
    conn.release();
  }
}

export interface RowAsEach {
  /** Per identity, in the order given: whether its role and claims see the row. */
  visible: boolean[];
  /** The row as those who see it see it (the same for all: policies choose rows, not values). */
  row: Record<string, unknown> | null;
}

const readRowText =
  "select visible, row_data from jobs.read_row_as_each($1::text, $2::text, $3::text[], $4::text[], $5::text[])";

/**
 * One row of a realtime table as each of several identities, in one statement and one round trip:
 * `jobs.read_row_as_each` (migration 0030) sets each identity's role and claims in turn inside
 * Postgres and rolls them back before the next, as a savepoint would, so RLS decides for each. One
 * snapshot (REPEATABLE READ) for all, so every identity judges the same version of the row. A role
 * without SELECT on the table sees nothing; any other error fails the read for all.
 */
export async function readRowAsEach(
  sql: Sql,
  identities: readonly DbIdentity[],
  table: string,
  id: string | number,
  hidden: readonly string[],
): Promise<RowAsEach> {
  const settings = identities.map(checkedSettings);
  const params = [table, String(id), settings.map((s) => s[0]), settings.map((s) => s[1]), [...hidden]];
  const conn = await sql.reserve();
  try {
    const results = await pipeline([
      conn.unsafe("begin isolation level repeatable read read only"),
      conn.unsafe(readRowText, params as never[], { prepare: true }),
      conn.unsafe("commit"),
    ]);
    const [found] = results[1] as {
      visible: boolean[];
      row_data: Record<string, unknown> | null;
    }[];
    return { visible: found!.visible, row: found!.row_data };
  } finally {
    conn.release();
  }
}
