/**
 * Signed URLs: a short JWT naming one object (`bucket/name`) and an expiry. It is signed with a key
 * derived from the JWT secret for this purpose only, so a signed-URL token is never a valid API token
 * and an API token never opens a signed URL.
 */
import { createHmac } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";
import { badRequest } from "../errors.ts";

export interface SignedUrls {
  /** The token for `bucket/name`, valid for `expiresIn` seconds. */
  sign(url: string, expiresIn: number, extra?: Record<string, unknown>): Promise<string>;
  /** Checks the token is for `url` and still valid; answers its claims. */
  verify(token: string | undefined, url: string): Promise<Record<string, unknown>>;
}

export const maxSignedUrlSeconds = 7 * 24 * 3600;

export function checkExpiresIn(value: unknown): number {
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > maxSignedUrlSeconds)
    throw badRequest(
      "INVALID_VALUE",
      `expiresIn must be a whole number of seconds from 1 to ${maxSignedUrlSeconds}`,
      {
        field: "expiresIn",
      },
    );
  return seconds;
}

export function createSignedUrls(jwtSecret: string): SignedUrls {
  const key = createHmac("sha256", jwtSecret).update("fluxbase storage signed urls").digest();
  return {
    sign: (url, expiresIn, extra = {}) =>
      new SignJWT({ ...extra, url })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
        .sign(key),

    async verify(token, url) {
      if (!token) throw badRequest("SIGNATURE_MISSING", "This URL needs its token query parameter");
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ["HS256"],
          requiredClaims: ["exp", "url"],
        });
        if (payload.url !== url)
          throw badRequest("INVALID_SIGNATURE", "The token was signed for another object");
        return payload;
      } catch (error) {
        if (error instanceof errors.JWTExpired)
          throw badRequest("SIGNED_URL_EXPIRED", "This signed URL has expired; ask for a new one");
        if (error instanceof errors.JOSEError)
          throw badRequest("INVALID_SIGNATURE", "The signed URL's token is not valid");
        throw error;
      }
    },
  };
}
