/**
 * Admin management of job functions: list, read, create, update, delete, and sync (an uploaded set,
 * or the jobs folder when no set is given). Uploaded code goes through the same bundling and
 * annotation parsing as files in the folder.
 */
import path from "node:path";
import { Hono } from "hono";
import { z } from "zod";
import { badRequest, conflict, notFound } from "../../errors.ts";
import { deleteFunction } from "../../functions/deleteFunction.ts";
import { findFunction } from "../../functions/findFunction.ts";
import { listFunctions } from "../../functions/listFunctions.ts";
import { loadFunctionsFromDir } from "../../functions/loadFunctionsFromDir.ts";
import { prepareFunctionFromSource } from "../../functions/prepareFunctionFromSource.ts";
import { syncFunctions } from "../../functions/syncFunctions.ts";
import {
  createBody,
  namespace,
  overrides,
  type SettingsInput,
  syncBody,
  updateBody,
} from "../functionSchemas.ts";
import { limitBody } from "../limitBody.ts";
import { readJson, validate } from "../readBody.ts";
import type { AppEnv, HttpDeps } from "../types.ts";

export function adminFunctionsRoutes(deps: HttpDeps) {
  const { sql, config } = deps;
  const find = (ns: string, fnName: string) => findFunction(sql, ns, fnName);
  const prepare = async (input: { name: string; namespace: string; code: string } & SettingsInput) => {
    const fn = await prepareFunctionFromSource(
      { name: input.name, namespace: input.namespace, code: input.code, overrides: overrides(input) },
      { config },
    );
    if (fn.annotationErrors.length > 0) {
      const first = fn.annotationErrors[0]!;
      throw badRequest("INVALID_ANNOTATION", `${first.file}:${first.line}: ${first.message}`, {
        errors: fn.annotationErrors,
      });
    }
    if (fn.bundleError) throw badRequest("BUNDLE_FAILED", fn.bundleError);
    return fn;
  };
  const store = async (fn: Awaited<ReturnType<typeof prepare>>, createdBy: string | null) => {
    const result = await syncFunctions(sql, {
      functions: [fn],
      deleteMissing: false,
      dryRun: false,
      origin: "api",
      createdBy,
    });
    if (result.errors.length > 0)
      throw conflict("FUNCTION_CONFLICT", result.errors[0]!.message, { errors: result.errors });
    return find(fn.namespace, fn.name);
  };

  return (
    new Hono<AppEnv>()
      .get("/functions", async (c) => {
        const { namespace: ns } = validate(
          z.object({ namespace: namespace.optional() }),
          c.req.query(),
          "query",
        );
        const functions = await listFunctions(sql, c.get("identity"), ns);
        return c.json({ functions });
      })
      // The default namespace's function by name alone, as `fluxbase functions get <name>` asks.
      .get("/functions/:name", async (c) => {
        const row = await find("default", c.req.param("name"));
        if (!row) throw functionNotFound("default", c.req.param("name"));
        return c.json(row);
      })
      .get("/functions/:namespace/:name", async (c) => {
        const row = await find(c.req.param("namespace"), c.req.param("name"));
        if (!row) throw functionNotFound(c.req.param("namespace"), c.req.param("name"));
        return c.json(row);
      })
      .post("/functions", limitBody(6 * 1024 * 1024), async (c) => {
        const body = await readJson(c, createBody);
        if (await find(body.namespace, body.name)) {
          throw conflict(
            "FUNCTION_EXISTS",
            `A function "${body.name}" already exists in namespace "${body.namespace}"`,
          );
        }
        return c.json(await store(await prepare(body), c.get("identity").userId), 201);
      })
      .put("/functions/:namespace/:name", limitBody(6 * 1024 * 1024), async (c) => {
        const [ns, fnName] = [c.req.param("namespace"), c.req.param("name")];
        const body = await readJson(c, updateBody);
        const existing = await find(ns, fnName);
        if (!existing) throw functionNotFound(ns, fnName);
        if (existing.origin === "handler") throw handlerReadOnly(ns, fnName);
        const current = {
          description: existing.description,
          enabled: existing.enabled,
          schedule: existing.schedule,
          timeout_seconds: existing.timeout_seconds,
          max_retries: existing.max_retries,
          memory_mb: existing.memory_mb,
          progress_timeout_seconds: existing.progress_timeout_seconds,
          require_roles: existing.require_roles,
          run_in: existing.run_in,
          isolation: existing.isolation,
          permissions: existing.permissions,
        };
        // New code brings its own annotations (the request's fields still win); without new code the
        // current settings are kept and the request changes only what it names.
        const fn = await prepare(
          body.code
            ? { ...body, name: fnName, namespace: ns, code: body.code }
            : { ...current, ...body, name: fnName, namespace: ns, code: existing.source },
        );
        fn.namespace = ns;
        return c.json(await store(fn, null));
      })
      .delete("/functions/:namespace/:name", async (c) => {
        const [ns, fnName] = [c.req.param("namespace"), c.req.param("name")];
        if ((await find(ns, fnName))?.origin === "handler") throw handlerReadOnly(ns, fnName);
        const deleted = await deleteFunction(sql, c.get("identity"), ns, fnName);
        if (!deleted) throw functionNotFound(ns, fnName);
        return c.json({ deleted });
      })
      .post("/sync", limitBody(50 * 1024 * 1024), async (c) => {
        const body = await readJson(c, syncBody);
        const { delete_missing: deleteMissing, dry_run: dryRun } = body.options;
        if (body.jobs) {
          const functions = await Promise.all(
            body.jobs.map((job) =>
              prepareFunctionFromSource(
                { name: job.name, namespace: body.namespace, code: job.code, overrides: overrides(job) },
                { config },
              ),
            ),
          );
          for (const fn of functions) fn.namespace = body.namespace;
          const result = await syncFunctions(sql, {
            namespace: body.namespace,
            functions,
            deleteMissing,
            dryRun,
            origin: "api",
          });
          return c.json(result);
        }
        if (body.path && path.resolve(body.path) !== config.jobs.dir) {
          throw badRequest("INVALID_PATH", "Only the server's own jobs folder can be synced from disk", {
            jobs_dir: config.jobs.dir,
          });
        }
        const loaded = await loadFunctionsFromDir(config.jobs.dir, {
          jobs: config.jobs,
          denoDir: path.join(config.dataDir, "deno"),
          namespace: body.namespace,
        });
        const functions = loaded.functions.filter((fn) => fn.namespace === body.namespace);
        const result = await syncFunctions(sql, {
          namespace: body.namespace,
          functions,
          deleteMissing,
          dryRun,
          origin: "filesystem",
        });
        for (const problem of loaded.problems) {
          result.errors.push({ name: problem.file, message: problem.message });
          result.summary.errors++;
        }
        return c.json({ ...result });
      })
  );
}

const handlerReadOnly = (ns: string, fnName: string) =>
  conflict(
    "HANDLER_READ_ONLY",
    `"${fnName}" is a trusted handler defined in the application's code; change it there, not through the API`,
    { namespace: ns, name: fnName },
  );

const functionNotFound = (ns: string, fnName: string) =>
  notFound("FUNCTION_NOT_FOUND", `No job function "${fnName}" in namespace "${ns}"`, {
    namespace: ns,
    name: fnName,
  });
