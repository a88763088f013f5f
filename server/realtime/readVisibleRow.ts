/**
 * Reads a changed row as one subscriber identity: role and claims set for the transaction, so the
 * table's row-level security policies decide. A role without SELECT on the table (anon on jobs.logs)
 * sees nothing rather than failing.
 */
import type { Sql } from "../db/createSql.ts";
import { type DbIdentity, queryAs } from "../db/withClaims.ts";
import type { Row, TableSpec } from "./tables.ts";

const insufficientPrivilege = "42501";

export async function readVisibleRow(
  sql: Sql,
  identity: DbIdentity,
  table: TableSpec,
  id: string | number,
): Promise<Row | null> {
  try {
    const [found] = await queryAs<{ row: Row }>(sql, identity, table.readSql, [id]);
    if (!found) return null;
    for (const column of table.hidden) delete found.row[column];
    return found.row;
  } catch (error) {
    if ((error as { code?: string }).code === insufficientPrivilege) return null;
    throw error;
  }
}
