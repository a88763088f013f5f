/** Whether the database answers a trivial query within `timeoutMs`; the error message if not. */
import type { Sql } from "./createSql.ts";

export async function pingDatabase(sql: Sql, timeoutMs: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([sql`select 1`.then(() => null), timeout]);
  } catch (error) {
    return (error as Error).message;
  } finally {
    clearTimeout(timer);
  }
}
