/**
 * The one reading of a cron expression and a time zone, shared by the annotation parser, the admin
 * API, trusted handlers and the scheduler, so an expression accepted anywhere fires the same way
 * everywhere. croner does the calendar work (time zones and DST included).
 */
import { Cron } from "croner";

/** The shorthands accepted besides 5 or 6 fields. */
export const cronNicknames = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@hourly"] as const;

/** Whitespace collapsed and nicknames lower-cased, so equal expressions compare equal. */
export function normalizeCron(expression: string): string {
  const text = expression.trim().split(/\s+/).join(" ");
  return text.startsWith("@") ? text.toLowerCase() : text;
}

/** Why `expression` is not a cron expression that fires, or undefined when it is one. */
export function cronProblem(expression: string): string | undefined {
  const text = normalizeCron(expression);
  if (text.startsWith("@")) {
    if (!(cronNicknames as readonly string[]).includes(text))
      return `expected one of ${cronNicknames.join(", ")} or a cron expression of 5 or 6 fields, got ${JSON.stringify(text)}`;
  } else {
    const fields = text === "" ? 0 : text.split(" ").length;
    if (fields !== 5 && fields !== 6)
      return `expected a cron expression of 5 fields (minute hour day month weekday) or 6 (seconds first), or one of ${cronNicknames.join(", ")}; found ${fields} field${fields === 1 ? "" : "s"}`;
  }
  try {
    const cron = new Cron(text, { paused: true, timezone: "UTC" });
    const next = cron.nextRun();
    cron.stop();
    if (next === null) return "expected a cron expression that fires, and this one never does";
  } catch (error) {
    return `invalid cron expression (${(error as Error).message.replace(/^CronPattern: /, "")})`;
  }
  return undefined;
}

/** Why `zone` is not an IANA time zone name, or undefined when it is one. */
export function timezoneProblem(zone: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(zone))
    return `expected an IANA time zone such as "UTC" or "Europe/Paris", got ${JSON.stringify(zone)}`;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return undefined;
  } catch {
    return `unknown time zone ${JSON.stringify(zone)}; expected an IANA name such as "UTC" or "Europe/Paris"`;
  }
}

const parsed = new Map<string, Cron>();

/**
 * The first fire time strictly after `after`, in `timezone`; null if there is none. Parsed
 * expressions are cached by text and zone (the scheduler asks every tick).
 */
export function nextFireTime(expression: string, timezone: string, after: Date): Date | null {
  const key = `${timezone}\n${expression}`;
  let cron = parsed.get(key);
  if (!cron) {
    if (parsed.size > 10_000) parsed.clear();
    cron = new Cron(normalizeCron(expression), { paused: true, timezone });
    parsed.set(key, cron);
  }
  return cron.nextRun(after);
}
