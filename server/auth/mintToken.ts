/** Signs tokens: the anon and service keys, development user tokens, and short-lived job tokens. */
import { SignJWT } from "jose";
import { hmacKey } from "./hmacKey.ts";

export interface MintOptions {
  role: string;
  sub?: string;
  email?: string;
  /** Seconds from now, or a jose time span such as "1h". @default "1h" */
  expiresIn?: number | string;
  /** Extra claims (e.g. job_id). */
  claims?: Record<string, unknown>;
}

export async function mintToken(secret: string, options: MintOptions): Promise<string> {
  const jwt = new SignJWT({
    ...options.claims,
    role: options.role,
    ...(options.email ? { email: options.email } : {}),
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setIssuer("fluxbase");
  if (options.sub) jwt.setSubject(options.sub);
  const expires = options.expiresIn ?? "1h";
  jwt.setExpirationTime(typeof expires === "number" ? Math.floor(Date.now() / 1000) + expires : expires);
  return jwt.sign(await hmacKey(secret));
}

const tenYears = 10 * 365 * 24 * 3600;

export interface ProjectKeys {
  anonKey: string;
  serviceKey: string;
}

/** The project's anon and service keys; long-lived like Supabase's, and derived from the secret. */
export async function projectKeys(secret: string): Promise<ProjectKeys> {
  // A fixed issued-at keeps the keys stable across restarts, so printed keys stay valid.
  const iat = 1_767_225_600; // 2026-01-01T00:00:00Z
  const key = await hmacKey(secret);
  const sign = (role: string) =>
    new SignJWT({ role, iss: "fluxbase", iat })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setExpirationTime(iat + tenYears)
      .sign(key);
  return { anonKey: await sign("anon"), serviceKey: await sign("service_role") };
}
