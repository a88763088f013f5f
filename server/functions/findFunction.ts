/** One job function by namespace and name, with its source, as the service role. */
import type { Sql } from "../db/createSql.ts";
import { asService } from "../db/withClaims.ts";
import { functionFields } from "./functionColumns.ts";

export function findFunction(sql: Sql, namespace: string, name: string) {
  return asService(sql, async (tx) => {
    const [row] =
      await tx`select ${functionFields(tx)}, source from jobs.functions where namespace = ${namespace} and name = ${name}`;
    return row;
  });
}
