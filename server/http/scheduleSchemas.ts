/** Request shapes of the schedules API; cron and time zone are checked by the scheduler's own rules. */
import { z } from "zod";
import { badRequest } from "../errors.ts";
import { cronProblem, normalizeCron, timezoneProblem } from "../schedules/cronExpression.ts";
import { misfirePolicies, overlapPolicies } from "../schedules/scheduleRow.ts";

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, "expected a name of letters, digits, -, _, . and :");
const jobName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, "expected a function name of letters, digits, - and _");
const namespace = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "expected a namespace of letters, digits, - and _ (64 at most)");

const fields = {
  name,
  namespace,
  job_name: jobName,
  cron: z.string().max(200),
  timezone: z.string().max(64),
  payload: z.record(z.string(), z.unknown()),
  enabled: z.boolean(),
  max_retries: z.number().int().min(0).max(1000).nullable(),
  backoff: z
    .object({
      base_ms: z.number().int().min(0).max(86_400_000),
      max_ms: z.number().int().min(0).max(86_400_000),
    })
    .strict()
    .refine((b) => b.max_ms >= b.base_ms, "expected max_ms at least base_ms")
    .nullable(),
  overlap: z.enum(overlapPolicies),
  misfire: z.enum(misfirePolicies),
};

export const createScheduleBody = z
  .object({
    ...fields,
    namespace: fields.namespace.default("default"),
    timezone: fields.timezone.default("UTC"),
    payload: fields.payload.default({}),
    enabled: fields.enabled.default(true),
    max_retries: fields.max_retries.default(null),
    backoff: fields.backoff.default(null),
    overlap: fields.overlap.default("skip"),
    misfire: fields.misfire.default("skip"),
  })
  .strict();

export const patchScheduleBody = z
  .object(fields)
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, "expected at least one field to change");

export const scheduleListQuery = z.object({
  namespace: namespace.optional(),
  job_name: jobName.optional(),
  source: z.enum(["annotation", "api"]).optional(),
});

/** A bad cron expression or time zone is a 400 that says why; both come back normalized. */
export function checkCronAndZone<T extends { cron?: string; timezone?: string }>(body: T): T {
  if (body.cron !== undefined) {
    const problem = cronProblem(body.cron);
    if (problem)
      throw badRequest("INVALID_CRON", `Invalid cron expression ${JSON.stringify(body.cron)}: ${problem}`, {
        cron: body.cron,
        reason: problem,
      });
    body.cron = normalizeCron(body.cron);
  }
  if (body.timezone !== undefined) {
    const problem = timezoneProblem(body.timezone);
    if (problem)
      throw badRequest("INVALID_TIMEZONE", `Invalid timezone: ${problem}`, {
        timezone: body.timezone,
        reason: problem,
      });
  }
  return body;
}
