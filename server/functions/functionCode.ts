/**
 * What a run needs of its job function: the compiled code, its hash, and the sandbox settings. The
 * code is sent only when it differs from the version the caller already holds (`knownHash`): runs of
 * an unchanged function fetch a few columns, not the bundle.
 */
import type { Sql } from "../db/createSql.ts";
import type { FunctionPermissions } from "./types.ts";

export interface FunctionCode {
  /** Null when the function failed to bundle, or when it is the `knownHash` version. */
  code: string | null;
  code_hash: string | null;
  bundle_error: string | null;
  permissions: Partial<FunctionPermissions>;
  memory_mb: number;
  isolation: "warm" | "process";
}

export async function functionCode(
  sql: Sql,
  functionId: string,
  knownHash: string | null = null,
): Promise<FunctionCode | undefined> {
  const [row] = await sql<FunctionCode[]>`
    select case when code_hash is null or code_hash is distinct from ${knownHash} then code end as code,
           code_hash, bundle_error, permissions, memory_mb, isolation
      from jobs.functions where id = ${functionId}`;
  return row;
}

/** The last code seen per function, so an unchanged function's bundle is not fetched for every run. */
export class FunctionCodeCache {
  private readonly byFunction = new Map<string, { hash: string; code: string }>();

  async get(sql: Sql, functionId: string): Promise<FunctionCode | undefined> {
    const known = this.byFunction.get(functionId);
    const row = await functionCode(sql, functionId, known?.hash ?? null);
    if (!row) {
      this.byFunction.delete(functionId);
      return undefined;
    }
    if (row.code !== null && row.code_hash !== null) {
      if (this.byFunction.size >= 1000) this.byFunction.clear();
      this.byFunction.set(functionId, { hash: row.code_hash, code: row.code });
      return row;
    }
    if (known && row.code_hash === known.hash) return { ...row, code: known.code };
    return row;
  }
}
