/**
 * Who may hear of a DELETE. The row is gone, so there is nothing to read as the subscriber; and
 * re-implementing the policies in code (or tracking which ids each identity was shown, which misses
 * rows that existed before a subscriber joined and grows without bound) was ruled out. Instead the
 * database still decides: inside one transaction that is always rolled back, the deleted row is
 * re-inserted from what the NOTIFY carried (id, owner, status, namespace, job name; other columns
 * default) as service_role, and then read back under each subscriber identity's role and claims, so
 * the table's own SELECT policies judge it exactly as they judged the live row. Nothing of it is ever
 * visible to others (uncommitted, then rolled back), and its own NOTIFY is discarded with the rollback.
 * Any failure means nobody is told: a missed DELETE is safer than a leaked one.
 */

import type { ChangeNotification } from "../db/changeNotification.ts";
import type { Sql } from "../db/createSql.ts";
import { actAs, type DbIdentity, serviceIdentity, withClaims } from "../db/withClaims.ts";
import type { TableSpec } from "./tables.ts";

class Rollback extends Error {}

/** The keys of `identities` that may see the deleted row. */
export async function visibleDeletes(
  sql: Sql,
  table: TableSpec,
  change: ChangeNotification,
  identities: ReadonlyMap<string, DbIdentity>,
): Promise<Set<string>> {
  const visible = new Set<string>();
  const insertGhost = table.insertGhost;
  if (!insertGhost || identities.size === 0) return visible;
  try {
    await withClaims(sql, serviceIdentity, async (tx) => {
      await insertGhost(tx, change);
      // A role without SELECT on the table would abort the transaction; ask first instead.
      const roles = [...new Set([...identities.values()].map((identity) => identity.dbRole))];
      const granted = await tx<{ role: string }[]>`
        select r as role from unnest(${roles}::text[]) r where has_table_privilege(r, ${table.key}, 'SELECT')`;
      const allowed = new Set(granted.map((g) => g.role));
      for (const [key, identity] of identities) {
        if (!allowed.has(identity.dbRole)) continue;
        await actAs(tx, identity);
        if (await table.read(tx, change.id)) visible.add(key);
      }
      throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  return visible;
}
