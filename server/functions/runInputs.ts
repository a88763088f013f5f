/**
 * What a sandboxed run needs from the database, in one round trip: its function's compiled code and
 * sandbox settings, and the secrets the run may read (system secrets global or of the job's
 * namespace, and the submitting user's own). The code is sent only when it differs from the version
 * the caller already holds: runs of an unchanged function fetch a few columns, not the bundle.
 */
import type { Sql } from "../db/createSql.ts";
import type { SecretDecryptionError } from "../secrets/cipher.ts";
import type { Keyring } from "../secrets/keyring.ts";
import { openRunSecrets, type RunSecrets, type StoredSecret } from "../secrets/openRunSecrets.ts";
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

export interface RunInputs {
  /** Undefined when the function no longer exists. */
  fn: FunctionCode | undefined;
  secrets: RunSecrets;
  /** Secrets that could not be decrypted: left out of `secrets`. */
  problems: SecretDecryptionError[];
}

interface Row extends FunctionCode {
  secrets: {
    name: string;
    namespace: string | null;
    user_id: string | null;
    ciphertext: string;
    nonce: string;
    key_id: string;
  }[];
}

export async function runInputs(
  sql: Sql,
  keyring: Keyring,
  run: { functionId: string; namespace: string; userId: string | null },
  knownHash: string | null = null,
): Promise<RunInputs> {
  // Secrets are global first, so the namespace's own row overwrites a global one (openRunSecrets).
  const [row] = await sql<Row[]>`
    select case when f.code_hash is null or f.code_hash is distinct from ${knownHash} then f.code end as code,
           f.code_hash, f.bundle_error, f.permissions, f.memory_mb, f.isolation,
           coalesce((
             select json_agg(json_build_object('name', s.name, 'namespace', s.namespace, 'user_id', s.user_id,
                      'ciphertext', encode(s.ciphertext, 'base64'), 'nonce', encode(s.nonce, 'base64'),
                      'key_id', s.key_id) order by s.namespace nulls first, s.name)
               from jobs.secrets s
              where (s.user_id is null or s.user_id = ${run.userId}::uuid)
                and (s.namespace is null or s.namespace = ${run.namespace})), '[]'::json) as secrets
      from jobs.functions f where f.id = ${run.functionId}`;
  const stored: StoredSecret[] = (row?.secrets ?? []).map((s) => ({
    ...s,
    ciphertext: Buffer.from(s.ciphertext, "base64"),
    nonce: Buffer.from(s.nonce, "base64"),
  }));
  const { secrets, problems } = openRunSecrets(keyring, stored);
  if (!row) return { fn: undefined, secrets, problems };
  const { secrets: _, ...fn } = row;
  return { fn, secrets, problems };
}

/** The last code seen per function, so an unchanged function's bundle is not fetched for every run. */
export class FunctionCodeCache {
  private readonly byFunction = new Map<string, { hash: string; code: string }>();

  async load(
    sql: Sql,
    keyring: Keyring,
    run: { functionId: string; namespace: string; userId: string | null },
  ): Promise<RunInputs> {
    const known = this.byFunction.get(run.functionId);
    const inputs = await runInputs(sql, keyring, run, known?.hash ?? null);
    const { fn } = inputs;
    if (!fn) {
      this.byFunction.delete(run.functionId);
      return inputs;
    }
    if (fn.code !== null && fn.code_hash !== null) {
      if (this.byFunction.size >= 1000) this.byFunction.clear();
      this.byFunction.set(run.functionId, { hash: fn.code_hash, code: fn.code });
    } else if (known && fn.code_hash === known.hash) {
      return { ...inputs, fn: { ...fn, code: known.code } };
    }
    return inputs;
  }
}
