/**
 * The names the storage API accepts, checked before anything reaches the database or the driver (the
 * table's CHECK constraints say the same again). A name is a relative path of non-empty segments; no
 * `.`/`..` segment, backslash, control character or NUL, however it was encoded on the way in.
 */
import { badRequest } from "../errors.ts";

export const bucketIdPattern = /^[a-z0-9][a-z0-9._-]{0,62}$/;
/** Words that follow /object/ in routes, so they can't name a bucket. */
export const reservedBucketIds: ReadonlySet<string> = new Set([
  "public",
  "sign",
  "info",
  "list",
  "list-v2",
  "move",
  "copy",
  "upload",
  "authenticated",
  "render",
]);
const maxNameBytes = 1024;

export function checkBucketId(id: unknown): string {
  if (typeof id !== "string" || !bucketIdPattern.test(id))
    throw badRequest(
      "INVALID_BUCKET_ID",
      "A bucket id is 1–63 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit",
      { bucket: typeof id === "string" ? id : null },
    );
  if (reservedBucketIds.has(id))
    throw badRequest("INVALID_BUCKET_ID", `"${id}" is a word of the storage routes and can't name a bucket`, {
      bucket: id,
    });
  return id;
}

/** An object name, already percent-decoded. */
export function checkObjectName(name: unknown): string {
  const refuse = (why: string) =>
    badRequest("INVALID_KEY", `Invalid object name: ${why}`, {
      key: typeof name === "string" ? name.replace(/[\x00-\x1f\x7f]/g, "?") : null,
    });
  if (typeof name !== "string" || name.length === 0) throw refuse("it is empty");
  if (Buffer.byteLength(name) > maxNameBytes) throw refuse(`it is longer than ${maxNameBytes} bytes`);
  if (/[\x00-\x1f\x7f]/.test(name)) throw refuse("it contains a control character");
  if (name.includes("\\")) throw refuse("it contains a backslash");
  if (name.startsWith("/")) throw refuse("it is absolute");
  for (const segment of name.split("/")) {
    if (segment === "") throw refuse("it has an empty segment");
    if (segment === "." || segment === "..") throw refuse(`it has a '${segment}' segment`);
  }
  return name;
}

/** A folder prefix for listing: empty, or a name with an optional trailing slash. */
export function checkPrefix(prefix: unknown): string {
  if (prefix === undefined || prefix === null || prefix === "") return "";
  if (typeof prefix !== "string") throw badRequest("INVALID_KEY", "prefix must be a string");
  const trimmed = prefix.replace(/\/+$/, "");
  return trimmed === "" ? "" : checkObjectName(trimmed);
}
