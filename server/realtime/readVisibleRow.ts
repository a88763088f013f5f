/**
 * Reads a changed row as each subscriber identity listening: role and claims set per identity, so
 * the table's row-level security policies decide. All identities are read in one round trip on one
 * connection (queryAsEach); a role without SELECT on the table (anon on jobs.logs) sees nothing
 * rather than failing, and any other error fails the read for everyone (nobody is told).
 */
import type { Sql } from "../db/createSql.ts";
import { type DbIdentity, queryAsEach } from "../db/withClaims.ts";
import type { Row, TableSpec } from "./tables.ts";

const insufficientPrivilege = "42501";

/** The row as each identity sees it, by the identities' keys; absent where it is not visible. */
export async function readVisibleRows(
  sql: Sql,
  identities: ReadonlyMap<string, DbIdentity>,
  table: TableSpec,
  id: string | number,
): Promise<Map<string, Row>> {
  const keys = [...identities.keys()];
  const results = await queryAsEach<{ row: Row }>(sql, [...identities.values()], table.readSql, [id]);
  const rows = new Map<string, Row>();
  results.forEach((result, i) => {
    if (result instanceof Error) {
      if ((result as { code?: string }).code === insufficientPrivilege) return;
      throw result;
    }
    const found = result[0];
    if (!found) return;
    for (const column of table.hidden) delete found.row[column];
    rows.set(keys[i]!, found.row);
  });
  return rows;
}
