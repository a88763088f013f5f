/**
 * Declares a trusted handler: application code that runs in-process on the same queue as sandboxed
 * functions. Nothing runs until the definition is passed to `createFluxbase({ jobs: [...] })` or
 * exported from the handlers module the standalone server loads.
 */
import type { z } from "zod";
import type { DefineJobInput, JobDefinition } from "./types.ts";

export function defineJob<
  const Name extends string,
  Schema extends z.ZodType = z.ZodType<Record<string, unknown>>,
  Result = unknown,
>(
  input: DefineJobInput<Name, Schema, Result>,
): JobDefinition<Name, z.input<Schema>, z.output<Schema>, Result> {
  if (typeof input?.handler !== "function") {
    throw new TypeError(`defineJob(${JSON.stringify(input?.name)}): handler must be a function`);
  }
  if (input.payload !== undefined && typeof input.payload?.safeParse !== "function") {
    throw new TypeError(`defineJob(${JSON.stringify(input.name)}): payload must be a zod schema`);
  }
  return Object.freeze({
    kind: "handler" as const,
    name: input.name,
    namespace: input.namespace ?? "default",
    runIn: input.runIn ?? "worker",
    payload: input.payload as JobDefinition<Name, z.input<Schema>, z.output<Schema>>["payload"],
    maxRetries: input.maxRetries,
    timeout: input.timeout,
    requireRole: [...(input.requireRole ?? [])],
    description: input.description,
    schedule: input.schedule,
    overlap: input.overlap ? Object.freeze({ ...input.overlap }) : undefined,
    concurrency: input.concurrency,
    on: Object.freeze(
      input.on === undefined ? [] : typeof input.on === "string" ? [input.on] : [...input.on],
    ),
    onRole: input.onRole === undefined ? undefined : Object.freeze([...input.onRole]),
    enabled: input.enabled ?? true,
    handler: input.handler,
    definedAt: callerLocation(defineJob),
  });
}

/**
 * Where the application called defineJob: the frame above `fn`. Cut by V8 rather than by file name,
 * so it holds in the bundled package too, where defineJob sits in dist/index.js.
 */
function callerLocation(fn: (...args: never[]) => unknown): string {
  const trace: { stack?: string } = {};
  Error.captureStackTrace(trace, fn);
  const caller = (trace.stack ?? "").split("\n")[1];
  const match = caller?.match(/\(?((?:file:\/\/)?[^()\s]+:\d+):\d+\)?\s*$/);
  return match?.[1]?.replace(/^file:\/\//, "") ?? "unknown location";
}
