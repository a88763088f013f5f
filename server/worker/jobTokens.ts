/**
 * Tokens handed to a run: one for the submitting user (the `fluxbase` client) and one for the
 * service role (`fluxbaseService`). Both name the job and its lease, so the server can attribute
 * and refuse them once the run is over, and they expire shortly after the run's timeout anyway.
 */
import { mintToken } from "../auth/mintToken.ts";
import type { ClaimedJob } from "../queue/claimJobs.ts";

export interface RunTokens {
  userToken: string | null;
  serviceToken: string;
}

/** `tenantClaim`: the claim the submitter's tenant travels in (FLUXBASE_TENANT_CLAIM), for toggles. */
export async function mintRunTokens(
  secret: string,
  job: ClaimedJob,
  tenantClaim = "tenant_id",
): Promise<RunTokens> {
  const expiresIn = job.timeout_seconds + 60;
  const claims = { job_id: job.id, job_lease: job.lease_token };
  const userClaims = job.tenant ? { [tenantClaim]: job.tenant, ...claims } : claims;
  // Signed at once: each is a WebCrypto HMAC off the main thread.
  const [serviceToken, userToken] = await Promise.all([
    mintToken(secret, { role: "service_role", expiresIn, claims }),
    job.created_by
      ? mintToken(secret, {
          role: job.user_role && job.user_role !== "service_role" ? job.user_role : "authenticated",
          sub: job.created_by,
          email: job.user_email ?? undefined,
          expiresIn,
          claims: userClaims,
        })
      : mintToken(secret, { role: "anon", expiresIn, claims: userClaims }),
  ]);
  return { userToken, serviceToken };
}
