/**
 * What a sandboxed run needs from the database: its function's compiled code and sandbox settings,
 * and the secrets the run may read (system secrets global or of the job's namespace, and the
 * submitting user's own). The code is sent only when it differs from the version the caller
 * already holds: runs of an unchanged function fetch a few columns, not the bundle.
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

export interface RunOf {
  functionId: string;
  namespace: string;
  userId: string | null;
}

interface Row extends FunctionCode {
  /** False when the function no longer exists (its other columns are then null). */
  found: boolean;
  secrets: {
    name: string;
    namespace: string | null;
    user_id: string | null;
    ciphertext: string;
    nonce: string;
    key_id: string;
  }[];
}

/** One statement for many runs; a row per request, in their order. */
async function readRunInputs(sql: Sql, requests: { run: RunOf; knownHash: string | null }[]): Promise<Row[]> {
  // Secrets are global first, so the namespace's own row overwrites a global one (openRunSecrets).
  return sql<Row[]>`
    select f.id is not null as found,
           case when f.code_hash is null or f.code_hash is distinct from r.known_hash then f.code end as code,
           f.code_hash, f.bundle_error, f.permissions, f.memory_mb, f.isolation,
           coalesce((
             select json_agg(json_build_object('name', s.name, 'namespace', s.namespace, 'user_id', s.user_id,
                      'ciphertext', encode(s.ciphertext, 'base64'), 'nonce', encode(s.nonce, 'base64'),
                      'key_id', s.key_id) order by s.namespace nulls first, s.name)
               from jobs.secrets s
              where (s.user_id is null or s.user_id = r.user_id)
                and (s.namespace is null or s.namespace = r.namespace)), '[]'::json) as secrets
      from unnest(${requests.map((r) => r.run.functionId)}::uuid[], ${requests.map((r) => r.run.namespace)}::text[],
                  ${requests.map((r) => r.run.userId)}::uuid[], ${requests.map((r) => r.knownHash)}::text[])
           with ordinality as r(function_id, namespace, user_id, known_hash, n)
      left join jobs.functions f on f.id = r.function_id
     order by r.n`;
}

/** A run of a function that no longer exists gets no secrets: it will not start. */
function inputsOf(keyring: Keyring, row: Row | undefined): RunInputs {
  const stored: StoredSecret[] = (row?.found ? row.secrets : []).map((s) => ({
    ...s,
    ciphertext: Buffer.from(s.ciphertext, "base64"),
    nonce: Buffer.from(s.nonce, "base64"),
  }));
  const { secrets, problems } = openRunSecrets(keyring, stored);
  if (!row?.found) return { fn: undefined, secrets, problems };
  const { secrets: _, found: __, ...fn } = row;
  return { fn, secrets, problems };
}

/** Runs with the same key read the same row. */
const keyOf = (run: RunOf) => `${run.functionId}\u0000${run.namespace}\u0000${run.userId ?? ""}`;

/** One row to read for the runs that share its key; `known` is the code held when it was asked. */
interface Request {
  run: RunOf;
  known: { hash: string; code: string } | undefined;
  row?: Row;
}

interface Waiting {
  run: RunOf;
  resolve(inputs: RunInputs): void;
  reject(error: unknown): void;
}

/**
 * Loads run inputs. Runs that start in the same turn of the event loop (the jobs of one claim)
 * share one statement, and runs of the same function, namespace and user share its row. Remembers
 * the last code seen per function, so an unchanged function's bundle is not fetched for every run.
 * A failed statement fails every caller of its batch; each retries on its own, in a later batch.
 */
export class RunInputsLoader {
  private readonly codeByFunction = new Map<string, { hash: string; code: string }>();
  private readonly waiting: Waiting[] = [];

  constructor(
    private readonly sql: Sql,
    private readonly keyring: Keyring,
    private readonly maxBatch = 500,
  ) {}

  load(run: RunOf): Promise<RunInputs> {
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => void this.flush());
      this.waiting.push({ run, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting.splice(0);
    const distinct = new Map<string, Request>();
    // Each waiting run's request, in batch order: the key is computed once per run.
    const requestOf = batch.map(({ run }) => {
      const key = keyOf(run);
      let request = distinct.get(key);
      if (!request) {
        request = { run, known: this.codeByFunction.get(run.functionId) };
        distinct.set(key, request);
      }
      return request;
    });
    const requests = [...distinct.values()];
    try {
      for (let at = 0; at < requests.length; at += this.maxBatch) {
        const part = requests.slice(at, at + this.maxBatch);
        const rows = await readRunInputs(
          this.sql,
          part.map(({ run, known }) => ({ run, knownHash: known?.hash ?? null })),
        );
        part.forEach((request, i) => {
          request.row = this.remember(request.run, request.known, rows[i]);
        });
      }
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      try {
        item.resolve(inputsOf(this.keyring, requestOf[i]!.row));
      } catch (error) {
        item.reject(error);
      }
    });
  }

  /** Keeps a newly read bundle, or fills in the known one the row left out. */
  private remember(
    run: RunOf,
    known: { hash: string; code: string } | undefined,
    row: Row | undefined,
  ): Row | undefined {
    if (!row?.found) {
      this.codeByFunction.delete(run.functionId);
      return row;
    }
    if (row.code !== null && row.code_hash !== null) {
      if (this.codeByFunction.size >= 1000) this.codeByFunction.clear();
      this.codeByFunction.set(run.functionId, { hash: row.code_hash, code: row.code });
      return row;
    }
    if (known && row.code_hash === known.hash) return { ...row, code: known.code };
    return row;
  }
}
