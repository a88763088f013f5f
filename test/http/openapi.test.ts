/**
 * GET /api/v1/openapi.json: an OpenAPI 3.1 document that a validator accepts, that covers every
 * /api/v1 route the app serves (a new route without an entry fails here), and whose request schemas
 * are the ones the server validates with.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createHttpApp } from "../../server/http/app.ts";
import type { HttpDeps } from "../../server/http/types.ts";
import { createLogger } from "../../server/log.ts";
import { createMetrics } from "../../server/metrics/metrics.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let doc: Record<string, any>;

beforeAll(async () => {
  server = await startTestServer();
  const res = await server.request("GET", "/api/v1/openapi.json");
  expect(res.status).toBe(200);
  doc = await res.json();
});
afterAll(async () => {
  await server?.stop();
});

it("is a valid OpenAPI 3.1 document", async () => {
  const validator = new Validator();
  const result = await validator.validate(doc);
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
  expect(validator.version).toBe("3.1");
});

it("describes every /api/v1 route the app serves, and nothing it does not", () => {
  // The routes as Hono registered them; the handlers are never called, so the deps are stand-ins.
  const deps = {
    config: { corsOrigins: ["*"], maxBodyBytes: 1, metricsToken: "" },
    metrics: createMetrics(),
    logger: createLogger("error"),
    verifyToken: async () => {
      throw new Error("not called");
    },
  } as unknown as HttpDeps;
  const served = new Set(
    createHttpApp(deps)
      .routes.filter((route) => route.method !== "ALL" && route.path.startsWith("/api/v1/"))
      .map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:([A-Za-z_]+)/g, "{$1}")}`),
  );
  const described = new Set(
    Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method} ${path}`),
    ),
  );
  expect([...served].filter((route) => !described.has(route))).toEqual([]);
  expect([...described].filter((route) => !served.has(route))).toEqual([]);
  expect(served.size).toBeGreaterThan(60);
});

it("takes its request schemas from the validating zod schemas, with the errors each route answers", () => {
  const submit = doc.paths["/api/v1/jobs/submit"].post;
  const body = submit.requestBody.content["application/json"].schema;
  expect(body.required).toEqual(["job_name"]);
  expect(body.properties.priority).toMatchObject({ type: "integer", minimum: -1000, maximum: 1000 });
  expect(body.properties.dedupe).toMatchObject({ enum: ["keep", "replace"] });
  expect(body.additionalProperties).toBe(false);
  expect(Object.keys(submit.responses)).toEqual(["201", "400", "401", "403", "404", "409", "413"]);
  expect(submit.responses["409"].content["application/json"].schema).toEqual({
    $ref: "#/components/schemas/Error",
  });
  const list = doc.paths["/api/v1/jobs"].get.parameters.map((p: { name: string }) => p.name);
  expect(list).toEqual(expect.arrayContaining(["status", "limit", "cursor", "created_after"]));
  const cancel = doc.paths["/api/v1/jobs/{id}/cancel"].post;
  expect(cancel.parameters).toEqual([{ name: "id", in: "path", required: true, schema: { type: "string" } }]);
  expect(doc.paths["/api/v1/webhooks/public-key"].get.security).toEqual([]);
});
