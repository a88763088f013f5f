/** The job functions the caller may see, optionally of one namespace. */
import type { Sql } from "../db/createSql.ts";
import { type DbIdentity, withClaims } from "../db/withClaims.ts";
import { functionFields } from "./functionColumns.ts";

export function listFunctions(sql: Sql, identity: DbIdentity, namespace: string | undefined) {
  return withClaims(
    sql,
    identity,
    (tx) =>
      tx`select ${functionFields(tx)} from jobs.functions ${namespace ? tx`where namespace = ${namespace}` : tx``} order by namespace, name`,
  );
}
