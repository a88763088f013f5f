/**
 * One read-only statement as a caller, in a single round trip: BEGIN, the role and claims (the same
 * allow-list and transaction-local settings as withClaims), the statement and COMMIT are pipelined on
 * one reserved connection. Used on hot paths such as realtime's per-subscriber visibility checks.
 */
import type { Sql } from "./createSql.ts";
import type { DbIdentity } from "./withClaims.ts";

const allowedRoles: ReadonlySet<string> = new Set(["anon", "authenticated", "service_role"]);
const setClaims = "select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)";

export async function queryAs<T>(
  sql: Sql,
  identity: DbIdentity,
  text: string,
  params: unknown[],
): Promise<T[]> {
  if (!allowedRoles.has(identity.dbRole))
    throw new Error(`refusing to run as database role ${identity.dbRole}`);
  const conn = await sql.reserve();
  try {
    const queries = [
      conn.unsafe("begin read only"),
      conn.unsafe(setClaims, [identity.dbRole, JSON.stringify(identity.claims)], { prepare: true }),
      conn.unsafe(text, params as never[], { prepare: true }),
      conn.unsafe("commit"),
    ];
    for (const query of queries) query.execute();
    const settled = await Promise.allSettled(queries);
    const failed = settled.find((result) => result.status === "rejected");
    if (failed) {
      // A failed statement leaves the transaction aborted; its COMMIT already ended it as a rollback.
      await conn.unsafe("rollback").catch(() => {});
      throw failed.reason;
    }
    return (settled[2] as PromiseFulfilledResult<unknown>).value as T[];
  } finally {
    conn.release();
  }
}
