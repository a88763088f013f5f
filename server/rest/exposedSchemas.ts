/**
 * Which schemas the REST API serves, and which one a request addresses. The configured list
 * (`restSchemas`) is filtered: the server's own schemas and the system catalogs are never exposed,
 * whatever the configuration says. A request picks its schema with `Accept-Profile` (GET, HEAD) or
 * `Content-Profile` (POST, PATCH, DELETE); without one it gets the first exposed schema.
 */
import { RestError } from "./restError.ts";

const neverExposed = new Set(["jobs", "auth", "fluxbase", "pg_catalog", "information_schema", "pg_toast"]);

export interface SchemaRefusal {
  schema: string;
  reason: string;
}

export function resolveExposedSchemas(configured: readonly string[]): {
  schemas: string[];
  refused: SchemaRefusal[];
} {
  const schemas: string[] = [];
  const refused: SchemaRefusal[] = [];
  for (const raw of configured) {
    const schema = raw.trim();
    if (schema === "" || schemas.includes(schema)) continue;
    if (neverExposed.has(schema) || /^pg_/i.test(schema)) {
      refused.push({ schema, reason: "internal schemas are never exposed through REST" });
    } else if (schema.includes("\u0000") || schema.length > 63) {
      refused.push({ schema, reason: "not a valid schema name" });
    } else {
      schemas.push(schema);
    }
  }
  return { schemas, refused };
}

/** The schema a request addresses; 406 PGRST106 when it names one that is not exposed. */
export function requestSchema(
  method: string,
  header: (name: string) => string | undefined,
  exposed: readonly string[],
): string {
  const name = method === "GET" || method === "HEAD" ? "accept-profile" : "content-profile";
  const wanted = header(name)?.trim();
  if (wanted === undefined || wanted === "") {
    if (exposed.length === 0) throw invalidSchema(exposed);
    return exposed[0]!;
  }
  if (!exposed.includes(wanted)) throw invalidSchema(exposed);
  return wanted;
}

function invalidSchema(exposed: readonly string[]): RestError {
  return new RestError(
    406,
    "PGRST106",
    exposed.length === 0
      ? "No schema is exposed through the REST API"
      : `The schema must be one of the following: ${exposed.join(", ")}`,
  );
}
