/**
 * Per-job options a submitter may choose (HTTP, SDK, CLI and `enqueue` share this schema); the
 * function's own limits cap them when the job is inserted (submitJob).
 */
import { z } from "zod";

const maxMs = 24 * 3600 * 1000;

export const submitOptionFields = {
  priority: z.number().int().min(-1000).max(1000).default(0),
  scheduled_at: z.iso.datetime({ offset: true }).optional(),
  /** Seconds. */
  delay_seconds: z
    .number()
    .min(0)
    .max(365 * 24 * 3600)
    .optional(),
  /** Seconds; the same as delay_seconds. */
  delay: z
    .number()
    .min(0)
    .max(365 * 24 * 3600)
    .optional(),
  max_retries: z.number().int().min(0).max(1000).optional(),
  /** Seconds. */
  timeout: z.number().int().min(1).max(2_147_483).optional(),
  backoff: z
    .object({ base_ms: z.number().int().min(0).max(maxMs), max_ms: z.number().int().min(0).max(maxMs) })
    .strict()
    .refine((b) => b.max_ms >= b.base_ms, { message: "max_ms must be at least base_ms", path: ["max_ms"] })
    .optional(),
  /**
   * While a pending job of the function has this key (the submitter's own), the submit returns it
   * instead of adding another; on a function with `overlap: reject`, the key it compares.
   */
  dedupe_key: z.string().min(1).max(500).optional(),
  /** What a submit meeting a pending job with its dedupe_key does: return it, or replace its payload and run time. */
  dedupe: z.enum(["keep", "replace"]).optional(),
};

const when = (body: { scheduled_at?: string; delay_seconds?: number; delay?: number }) =>
  [body.scheduled_at !== undefined, body.delay_seconds !== undefined, body.delay !== undefined].filter(
    Boolean,
  ).length <= 1;

/** Refines a schema that includes submitOptionFields: one of scheduled_at, delay, delay_seconds. */
export const oneStartTime = {
  check: when,
  message: "give one of scheduled_at, delay or delay_seconds, not several",
};

export const submitOptions = z.object(submitOptionFields).strict().refine(oneStartTime.check, {
  message: oneStartTime.message,
});

export type SubmitOptionsInput = z.infer<typeof submitOptions>;
