/**
 * Run inputs are read once per claim, not once per run: runs that start in the same turn share one
 * statement, and each still gets its own function settings and the secrets its submitter may read.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Sql } from "../../server/db/createSql.ts";
import { RunInputsLoader } from "../../server/functions/runInputs.ts";
import { sealSecret } from "../../server/secrets/cipher.ts";
import { createKeyring } from "../../server/secrets/keyring.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

const keyring = createKeyring(randomBytes(32));
const alice = randomUUID();
const bob = randomUUID();
let db: TestDatabase;
let functionId: string;

async function putSecret(name: string, namespace: string | null, userId: string | null, value: string) {
  const sealed = sealSecret(keyring, { name, namespace, userId }, value);
  await db.sql`
    insert into jobs.secrets (name, namespace, user_id, ciphertext, nonce, key_id)
    values (${name}, ${namespace}, ${userId}::uuid, ${sealed.ciphertext}, ${sealed.nonce}, ${sealed.keyId})`;
}

/** The database, counting the statements sent through it. */
function counted(sql: Sql): { sql: Sql; statements: () => number } {
  let statements = 0;
  const wrapped = ((...args: Parameters<Sql>) => {
    statements++;
    return (sql as (...a: Parameters<Sql>) => unknown)(...args);
  }) as unknown as Sql;
  return { sql: wrapped, statements: () => statements };
}

beforeAll(async () => {
  db = await createTestDatabase();
  const [fn] = await db.sql<{ id: string }[]>`
    insert into jobs.functions (name, source, code, code_hash, memory_mb)
    values ('inputs', 'x', 'export default () => 1', 'v1', 96) returning id`;
  functionId = fn!.id;
  await putSecret("GLOBAL", null, null, "g");
  await putSecret("REGION", "eu", null, "eu-1");
  await putSecret("TOKEN", null, alice, "alice's");
  await putSecret("TOKEN", null, bob, "bob's");
});
afterAll(() => db?.drop());

it("reads the runs of one turn in one statement, each with the secrets its submitter may read", async () => {
  const { sql, statements } = counted(db.sql);
  const loader = new RunInputsLoader(sql, keyring);
  const [a1, a2, b, anon, eu, gone] = await Promise.all([
    loader.load({ functionId, namespace: "default", userId: alice }),
    loader.load({ functionId, namespace: "default", userId: alice }),
    loader.load({ functionId, namespace: "default", userId: bob }),
    loader.load({ functionId, namespace: "default", userId: null }),
    loader.load({ functionId, namespace: "eu", userId: bob }),
    loader.load({ functionId: randomUUID(), namespace: "default", userId: alice }),
  ]);
  expect(statements()).toBe(1);
  expect(a1!.fn).toMatchObject({ code: "export default () => 1", code_hash: "v1", memory_mb: 96 });
  expect({ ...a1!.secrets.user }).toEqual({ TOKEN: "alice's" });
  expect({ ...a1!.secrets.system }).toEqual({ GLOBAL: "g" });
  // Runs that share a row still get secrets objects of their own.
  expect(a2!.secrets).not.toBe(a1!.secrets);
  expect({ ...a2!.secrets.user }).toEqual({ TOKEN: "alice's" });
  expect({ ...b!.secrets.user }).toEqual({ TOKEN: "bob's" });
  expect({ ...anon!.secrets.user }).toEqual({});
  expect({ ...anon!.secrets.system }).toEqual({ GLOBAL: "g" });
  expect({ ...eu!.secrets.system }).toEqual({ GLOBAL: "g", REGION: "eu-1" });
  expect(gone!.fn).toBeUndefined();
  expect({ ...gone!.secrets.user, ...gone!.secrets.system }).toEqual({});
});

it("keeps an unchanged function's code and fetches a new version once it changes", async () => {
  const loader = new RunInputsLoader(db.sql, keyring);
  const first = await loader.load({ functionId, namespace: "default", userId: null });
  expect(first.fn?.code).toBe("export default () => 1");
  // The row leaves the code out when the hash is the one held; the loader fills it back in.
  const again = await loader.load({ functionId, namespace: "default", userId: null });
  expect(again.fn).toMatchObject({ code: "export default () => 1", code_hash: "v1" });
  await db.sql`update jobs.functions set code = 'export default () => 2', code_hash = 'v2' where id = ${functionId}`;
  const changed = await loader.load({ functionId, namespace: "default", userId: null });
  expect(changed.fn).toMatchObject({ code: "export default () => 2", code_hash: "v2" });
  await db.sql`update jobs.functions set code = 'export default () => 1', code_hash = 'v1' where id = ${functionId}`;
});

it("fails every run of a batch whose statement fails, and the next batch reads afresh", async () => {
  let fail = true;
  const flaky = ((...args: Parameters<Sql>) => {
    if (fail) return Promise.reject(new Error("connection lost"));
    return (db.sql as (...a: Parameters<Sql>) => unknown)(...args);
  }) as unknown as Sql;
  const loader = new RunInputsLoader(flaky, keyring);
  const outcomes = await Promise.allSettled([
    loader.load({ functionId, namespace: "default", userId: alice }),
    loader.load({ functionId, namespace: "default", userId: bob }),
  ]);
  expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
  fail = false;
  const retried = await loader.load({ functionId, namespace: "default", userId: bob });
  expect({ ...retried.secrets.user }).toEqual({ TOKEN: "bob's" });
  expect(retried.fn?.code).toBe("export default () => 1");
});
