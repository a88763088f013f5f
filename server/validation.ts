/** Checks a value against a zod schema; a mismatch is 400 VALIDATION_ERROR listing every issue. */
import type { z } from "zod";
import { badRequest } from "./errors.ts";

export function validate<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.join("."),
      message: issue.message,
    }));
    const first = issues[0];
    throw badRequest(
      "VALIDATION_ERROR",
      `Invalid ${where}: ${first?.path ? `${first.path}: ` : ""}${first?.message}`,
      {
        issues,
      },
    );
  }
  return parsed.data;
}
