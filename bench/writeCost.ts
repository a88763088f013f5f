/**
 * What a stretch of work wrote to Postgres: transactions that wrote (transaction ids assigned) and
 * WAL bytes, read exactly and at once (no statistics delay). Cluster-wide: run it while nothing else
 * writes.
 */
import type { Sql } from "../server/db/createSql.ts";

export interface WriteMark {
  xid: bigint;
  lsn: string;
}

export interface WriteCost {
  transactions: number;
  walBytes: number;
}

export async function markWrites(sql: Sql): Promise<WriteMark> {
  const [row] = await sql<{ xid: string; lsn: string }[]>`
    select pg_current_xact_id()::text as xid, pg_current_wal_lsn()::text as lsn`;
  return { xid: BigInt(row!.xid), lsn: row!.lsn };
}

/** Since `from`; the two marks' own transactions are left out. */
export async function writesSince(sql: Sql, from: WriteMark): Promise<WriteCost> {
  const to = await markWrites(sql);
  const [{ bytes }] = await sql<{ bytes: number }[]>`
    select pg_wal_lsn_diff(${to.lsn}::pg_lsn, ${from.lsn}::pg_lsn)::float8 as bytes`;
  return { transactions: Number(to.xid - from.xid) - 1, walBytes: bytes };
}
