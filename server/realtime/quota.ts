/**
 * Per-user and per-address limits on realtime, so one client cannot crowd out everyone else:
 * open sockets per user (the upgrade token's subject) and per IP address, and a join rate per
 * user (per address for tokens without a user, such as the anon key). Service-role tokens are the
 * operator's own backends and are not limited. The address is the TCP peer's: behind a proxy every
 * client shares the proxy's, so raise `maxSocketsPerIp` there.
 */
import { type Identity, isService } from "../auth/identity.ts";

export interface QuotaLimits {
  maxSocketsPerUser: number;
  maxSocketsPerIp: number;
  joinsPerSecond: number;
}

export interface Refusal {
  code: "TOO_MANY_SOCKETS_FOR_USER" | "TOO_MANY_SOCKETS_FROM_ADDRESS";
  message: string;
}

/** One admitted socket's share of the quota. */
export interface Ticket {
  /** Takes one join from the owner's rate; false when the rate is used up. */
  allowJoin(): boolean;
  release(): void;
}

interface Bucket {
  tokens: number;
  at: number;
}

const unlimited: Ticket = { allowJoin: () => true, release: () => {} };

export function createQuota(limits: QuotaLimits, now: () => number = Date.now) {
  const byUser = new Map<string, number>();
  const byIp = new Map<string, number>();
  const buckets = new Map<string, Bucket>();
  // A burst of a few seconds' worth: a page opening its channels at once is never refused.
  const burst = limits.joinsPerSecond * 5;

  const bump = (map: Map<string, number>, key: string, by: number) => {
    const next = (map.get(key) ?? 0) + by;
    if (next <= 0) map.delete(key);
    else map.set(key, next);
  };

  const refilled = (bucket: Bucket, t: number) =>
    Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * limits.joinsPerSecond);

  function takeJoin(key: string): boolean {
    const t = now();
    const bucket = buckets.get(key) ?? { tokens: burst, at: t };
    bucket.tokens = refilled(bucket, t);
    bucket.at = t;
    buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Forgets full buckets only: reconnecting must not buy a fresh burst. */
  function forgetFull(key: string): void {
    const bucket = buckets.get(key);
    if (bucket && refilled(bucket, now()) >= burst) buckets.delete(key);
  }

  return {
    admit(identity: Identity, ip: string): Ticket | Refusal {
      if (isService(identity)) return unlimited;
      const user = identity.userId;
      if (user && (byUser.get(user) ?? 0) >= limits.maxSocketsPerUser) {
        return {
          code: "TOO_MANY_SOCKETS_FOR_USER",
          message: `This user has ${limits.maxSocketsPerUser} realtime connections open, the most allowed; close one first`,
        };
      }
      if ((byIp.get(ip) ?? 0) >= limits.maxSocketsPerIp) {
        return {
          code: "TOO_MANY_SOCKETS_FROM_ADDRESS",
          message: `This address has ${limits.maxSocketsPerIp} realtime connections open, the most allowed; close one first`,
        };
      }
      if (user) bump(byUser, user, 1);
      bump(byIp, ip, 1);
      const owner = user ? `user:${user}` : `ip:${ip}`;
      let released = false;
      return {
        allowJoin: () => takeJoin(owner),
        release() {
          if (released) return;
          released = true;
          if (user) bump(byUser, user, -1);
          bump(byIp, ip, -1);
          forgetFull(owner);
          if (buckets.size > 10_000) for (const key of buckets.keys()) forgetFull(key);
        },
      };
    },
  };
}

export const isRefusal = (admitted: Ticket | Refusal): admitted is Refusal => "code" in admitted;
