/**
 * Builds the OpenAPI 3.1 document of `/api/v1` from the operations list: request bodies and query
 * parameters are the JSON Schemas of the zod schemas that validate them (as the caller writes them:
 * defaults make a field optional), every error is the one error body all routes answer with.
 */
import { z } from "zod";
import { type Operation, operations } from "./operations.ts";

type JsonSchema = Record<string, unknown>;

const errorBody: JsonSchema = {
  type: "object",
  required: ["error", "code"],
  properties: {
    error: { type: "string", description: "What went wrong, for people" },
    code: { type: "string", description: "What went wrong, for programs (e.g. JOB_NOT_FOUND)" },
  },
  additionalProperties: true,
};

const errorText: Record<number, string> = {
  400: "Bad input (VALIDATION_ERROR, INVALID_JSON, ...)",
  401: "No token, or a bad or expired one",
  403: "The caller may not do this",
  404: "Not found (also for what the caller may not see)",
  409: "Conflicts with the current state",
  413: "The body is too large",
  429: "Over a limit; Retry-After says when to try again",
  502: "An upstream provider failed",
  503: "Not available: not configured, or the database is away",
};

const toSchema = (schema: z.ZodType): JsonSchema => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
  }) as JsonSchema;
  return rest;
};

const openApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, "{$1}");

function operation(op: Operation): JsonSchema {
  const parameters: JsonSchema[] = [...op.path.matchAll(/:([A-Za-z_]+)/g)].map(([, name]) => ({
    name,
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  if (op.query) {
    const query = toSchema(op.query);
    const required = new Set((query.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((query.properties as Record<string, JsonSchema>) ?? {})) {
      parameters.push({ name, in: "query", required: required.has(name), schema });
    }
  }
  const errors = [
    ...new Set([...(op.caller === "none" ? [] : [400, 401, 403]), ...(op.errors ?? [])]),
  ].sort();
  const responses: JsonSchema = {
    [String(op.status ?? 200)]: {
      description: "Success",
      content: { "application/json": { schema: { type: "object", additionalProperties: true } } },
    },
  };
  for (const status of errors) {
    responses[String(status)] = {
      description: errorText[status] ?? "Error",
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    };
  }
  return {
    operationId: `${op.method}${op.path.replace(/^\/api\/v1/, "").replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
    summary: op.summary,
    tags: [op.tag],
    ...(op.caller === "none" ? { security: [] } : {}),
    ...(op.caller === "admin" ? { description: "An admin's token or the service key." } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body
      ? { requestBody: { required: true, content: { "application/json": { schema: toSchema(op.body) } } } }
      : {}),
    responses,
  };
}

let built: JsonSchema | undefined;

/** The document; built once, on first use. */
export function openApiDocument(): JsonSchema {
  if (built) return built;
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of operations) {
    const path = openApiPath(op.path);
    paths[path] ??= {};
    paths[path][op.method] = operation(op);
  }
  built = {
    openapi: "3.1.0",
    info: {
      title: "Fluxbase Jobs API",
      // The API's version (the /api/v1 of every path), not the server's.
      version: "1.0.0",
      description:
        "Background jobs: submit, follow and manage jobs, functions, schedules, events, secrets, webhooks and toggles.",
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      schemas: { Error: errorBody },
    },
    paths,
  };
  return built;
}
