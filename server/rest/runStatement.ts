/**
 * Runs one REST statement as the caller in a single round trip (db/withClaims.ts' queryAs: BEGIN,
 * the role and claims, the statement and COMMIT leave in one write and their answers come back
 * together). Statement texts are prepared once per connection, so a warm connection needs no
 * Parse/Describe round trip either. When the outcome decides between commit and rollback
 * (single-object writes, max-affected, `Prefer: tx=rollback`), the end of the transaction is a second
 * round trip.
 */
import type { Sql } from "../db/createSql.ts";
import { type DbIdentity, queryAs } from "../db/withClaims.ts";
import type { RestError } from "./restError.ts";
import { type ResultRow, toResultRow } from "./resultQuery.ts";
import type { Statement } from "./sqlText.ts";

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
  const params = statement.params.map((value) => (value === null ? null : sql.typed(value, unknownOid)));
  const decideLater = options.verdict !== undefined || options.rollback === true;
  let refusal: RestError | undefined;
  const rows = await queryAs<Parameters<typeof toResultRow>[0]>(sql, identity, statement.text, params, {
    readOnly: options.readOnly,
    prepare: shouldPrepare(statement.text),
    commitIf: decideLater
      ? (found) => {
          refusal = options.verdict?.(toResultRow(found[0]));
          return !refusal && !options.rollback;
        }
      : undefined,
  });
  if (refusal) throw refusal;
  return toResultRow(rows[0]);
}
