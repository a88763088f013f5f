/** What a run needs of its job function: the compiled code, its hash, and the sandbox settings. */
import type { Sql } from "../db/createSql.ts";
import type { FunctionPermissions } from "./types.ts";

export interface FunctionCode {
  code: string | null;
  code_hash: string | null;
  bundle_error: string | null;
  permissions: Partial<FunctionPermissions>;
  memory_mb: number;
}

export async function functionCode(sql: Sql, functionId: string): Promise<FunctionCode | undefined> {
  const [row] = await sql<FunctionCode[]>`
    select code, code_hash, bundle_error, permissions, memory_mb from jobs.functions where id = ${functionId}`;
  return row;
}
