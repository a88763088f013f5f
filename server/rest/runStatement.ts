/**
 * Runs one REST statement as the caller in a single round trip. It keeps withClaims' rules (an
 * allow-listed role and the JWT claims as transaction-local settings, so RLS decides and nothing
 * outlives the transaction) but pipelines the whole transaction on one reserved connection:
 * `BEGIN`, the `set_config` of role and claims, the statement and `COMMIT` leave in one write and
 * their answers come back together. Both statements are prepared once per connection, so a warm
 * connection needs no Parse/Describe round trip either. When the outcome decides between commit and
 * rollback (single-object writes, max-affected, `Prefer: tx=rollback`), the end of the transaction is
 * a second round trip.
 */
import type { Sql } from "../db/createSql.ts";
import type { DbIdentity } from "../db/withClaims.ts";
import type { RestError } from "./restError.ts";
import { type ResultRow, toResultRow } from "./resultQuery.ts";
import type { Statement } from "./sqlText.ts";

const allowedRoles: ReadonlySet<string> = new Set(["anon", "authenticated", "service_role"]);
const setClaims = "select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)";
/** Postgres' `unknown` type: the server infers each parameter's type, postgres.js sends text untouched. */
const unknownOid = 705;
/**
 * Statement texts that are prepared (named and cached on each connection). Request shapes are many,
 * so the set is capped; texts beyond it still work, only with one more round trip each time. Texts
 * start with a comment naming the catalog version; a new version starts a new set.
 */
const maxPrepared = 500;
let prepared = new Set<string>();
let preparedVersion = "";

function shouldPrepare(text: string): boolean {
  const version = /^\/\* rest v(\d+) \*\//.exec(text)?.[1] ?? "";
  if (version !== preparedVersion) {
    prepared = new Set();
    preparedVersion = version;
  }
  if (prepared.has(text)) return true;
  if (prepared.size >= maxPrepared) return false;
  prepared.add(text);
  return true;
}

export interface RunOptions {
  readOnly: boolean;
  /** Always roll back (`Prefer: tx=rollback`). */
  rollback?: boolean;
  /** Looks at the result before the transaction ends; an error returned here rolls back and is thrown. */
  verdict?: (row: ResultRow) => RestError | undefined;
}

export async function runStatement(
  sql: Sql,
  identity: DbIdentity,
  statement: Statement,
  options: RunOptions,
): Promise<ResultRow> {
  if (!allowedRoles.has(identity.dbRole))
    throw new Error(`refusing to run as database role ${identity.dbRole}`);
  const params = statement.params.map((value) => (value === null ? null : sql.typed(value, unknownOid)));
  const decideLater = options.verdict !== undefined || options.rollback === true;
  const conn = await sql.reserve();
  try {
    const queries = [
      conn.unsafe(options.readOnly ? "begin read only" : "begin"),
      conn.unsafe(setClaims, [identity.dbRole, JSON.stringify(identity.claims)], { prepare: true }),
      conn.unsafe(statement.text, params as never[], { prepare: shouldPrepare(statement.text) }),
      ...(decideLater ? [] : [conn.unsafe("commit")]),
    ];
    for (const query of queries) query.execute();
    const settled = await Promise.allSettled(queries);
    const failed = settled.find((result) => result.status === "rejected");
    if (failed) {
      if (decideLater) await conn.unsafe("rollback").catch(() => {});
      throw failed.reason;
    }
    const rows = (settled[2] as PromiseFulfilledResult<unknown[]>).value;
    const row = toResultRow(rows[0] as Parameters<typeof toResultRow>[0]);
    if (decideLater) {
      const refusal = options.verdict?.(row);
      await conn.unsafe(refusal || options.rollback ? "rollback" : "commit");
      if (refusal) throw refusal;
    }
    return row;
  } finally {
    conn.release();
  }
}
