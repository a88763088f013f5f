/** Deletes one job function as the caller; undefined when there was none (or the caller may not). */
import type { Sql } from "../db/createSql.ts";
import { type DbIdentity, withClaims } from "../db/withClaims.ts";

export async function deleteFunction(sql: Sql, identity: DbIdentity, namespace: string, name: string) {
  const rows = await withClaims(
    sql,
    identity,
    (tx) =>
      tx`delete from jobs.functions where namespace = ${namespace} and name = ${name} and origin <> 'handler' returning id, name, namespace`,
  );
  return rows[0];
}
