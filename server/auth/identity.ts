/** Who is calling: the verified token turned into what the database and handlers need. */
import type { DbIdentity } from "../db/withClaims.ts";
import type { ResolvedRole } from "./roles.ts";

export interface Identity extends DbIdentity {
  role: ResolvedRole;
  /** The user's id (uuid) for user roles; null for anon and service tokens without a subject. */
  userId: string | null;
  email: string | null;
  /** The raw token, for clients that act on the caller's behalf (e.g. realtime). */
  token: string;
  /** Seconds since epoch. */
  expiresAt: number;
  /** Set when the caller sent an API key: what it may do (routes confine it to this). */
  key?: KeyGrant;
}

export type KeyScope = "jobs:read" | "jobs:write";

/** What a request made with an API key may do. */
export interface KeyGrant {
  id: string;
  name: string;
  scopes: ReadonlySet<KeyScope>;
  /** Null: every namespace. */
  namespace: string | null;
}

export const isAdmin = (identity: Identity) => identity.role.level >= 2;
export const isService = (identity: Identity) => identity.role.level === 3;
