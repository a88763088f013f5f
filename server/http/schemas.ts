/** Request shapes of the jobs API. */

import { z } from "zod";
import { parseDuration } from "../config/resolveConfig.ts";
import { jobStatuses, jobTriggers } from "../queue/jobRow.ts";
import { oneStartTime, submitOptionFields } from "../queue/submitOptions.ts";

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, "expected a name of letters, digits, - and _");
// Namespaces are shorter than names (the jobs.functions check constraint allows 64 characters).
const namespace = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "expected a namespace of letters, digits, - and _ (64 at most)");
export const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "expected a uuid");

export const submitBody = z
  .object({
    job_name: name,
    namespace: namespace.default("default"),
    payload: z.record(z.string(), z.unknown()).default({}),
    ...submitOptionFields,
    /** Mail the submitter's email claim when the job ends. */
    notify: z.boolean().default(false),
    on_behalf_of: z
      .object({
        user_id: uuid,
        user_email: z.string().max(320).optional(),
        user_role: z.string().max(63).optional(),
        tenant: z.string().min(1).max(200).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine(oneStartTime.check, { message: oneStartTime.message });

const intParam = (def: number, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, "expected a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((value) => value ?? def);

const boolParam = z
  .enum(["true", "false", "1", "0"])
  .optional()
  .transform((value) => value === "true" || value === "1");

/** `<created_at as Postgres prints it>|<id>`, base64url: where the previous page ended. */
const cursor = z.string().transform((text, ctx) => {
  const decoded = Buffer.from(text, "base64url").toString("utf8");
  const match = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?[+-]\d\d(?::\d\d)?)\|([0-9a-f-]{36})$/.exec(
    decoded,
  );
  if (!match) {
    ctx.addIssue({ code: "custom", message: "not a cursor this server gave out (use next_cursor as is)" });
    return z.NEVER;
  }
  return { created_at: match[1]!, id: match[2]! };
});

/** Unknown parameters are refused: `?since=1h` silently listing everything would mislead. */
export const listQuery = z
  .object({
    status: z.enum(jobStatuses).optional(),
    job_name: name.optional(),
    namespace: namespace.optional(),
    trigger: z.enum(jobTriggers).optional(),
    created_after: z.string().datetime({ offset: true }).optional(),
    created_before: z.string().datetime({ offset: true }).optional(),
    order: z.enum(["newest", "oldest"]).optional(),
    cursor: cursor.optional(),
    limit: intParam(50, 1, 200),
    offset: intParam(0, 0, 1_000_000_000),
    include_result: boolParam,
  })
  .strict();

export const adminListQuery = listQuery.extend({
  worker_id: uuid.optional(),
  created_by: uuid.optional(),
  /** The start of the submitter's email, case-insensitive. */
  user_email: z.string().min(1).max(320).optional(),
});

export const logsQuery = z.object({ after_line: intParam(0, 0, 2_147_483_647) });

export const idempotencyKey = z.string().min(1).max(255);

const finishedStatus = z.enum(["completed", "failed", "cancelled"]);

/** DELETE /api/v1/admin/jobs/queue: which finished jobs to purge. Unknown parameters are refused. */
export const purgeQuery = z
  .object({
    status: z
      .string()
      .transform((text) => text.split(",").map((part) => part.trim()))
      .pipe(z.array(finishedStatus).min(1)),
    older_than: z.string().transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({
          code: "custom",
          message: 'expected a duration such as "30m", "12h", "7d" or seconds',
        });
        return z.NEVER;
      }
      return ms;
    }),
    job_name: z.string().min(1).max(128).optional(),
    namespace: z.string().min(1).max(64).optional(),
  })
  .strict();

const jobStatus = z.enum(["pending", "running", "completed", "failed", "cancelled"]);

/** POST /api/v1/admin/jobs/queue/bulk: one action on listed jobs or on the jobs a filter matches. */
export const BULK_LIMIT = 10_000;
export const bulkBody = z
  .object({
    action: z.enum(["retry", "cancel", "delete"]),
    ids: z.array(z.string().uuid()).min(1).max(BULK_LIMIT).optional(),
    filter: z
      .object({
        status: z.array(jobStatus).min(1).optional(),
        job_name: z.string().min(1).max(128).optional(),
        namespace: z.string().min(1).max(64).optional(),
        created_after: z.string().datetime({ offset: true }).optional(),
        created_before: z.string().datetime({ offset: true }).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((body) => (body.ids === undefined) !== (body.filter === undefined), {
    message: "give either ids or filter",
  });
