/**
 * Reads `@fluxbase:<name> <value>` annotations from the comment block at the top of a job file.
 * Every problem becomes an error with file and line; the other annotations are still read.
 */
import { cronProblem, normalizeCron } from "../schedules/cronExpression.ts";
import { parseSubscription, type TableSubscription } from "./eventSubscription.ts";
import { leadingComments } from "./leadingComments.ts";
import {
  type AnnotationError,
  type FunctionSettings,
  NAMESPACE_PATTERN,
  OVERLAP_KEY_PATTERN,
  OVERLAP_POLICIES,
} from "./types.ts";

export interface ParsedAnnotations {
  settings: FunctionSettings;
  errors: AnnotationError[];
  /**
   * The errors (also in `errors`) that keep the function from loading: a schedule that cannot
   * fire must not leave a function that looks ready but never runs.
   */
  blocking: AnnotationError[];
}

/** Turns one annotation's value into the settings it sets, or an error message (a string). */
type Rule = (value: string, current: FunctionSettings) => Partial<FunctionSettings> | string;

const ANNOTATION = /^@fluxbase:(\S*)(?:\s+(.*))?$/;
const ROLE = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/;
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::\d{1,5})?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*\*?$/;
const MAX_INT = 2_147_483_647;

const rules: Record<string, Rule> = {
  namespace: (v) =>
    NAMESPACE_PATTERN.test(v) ? { namespace: v } : `expected a name matching ${NAMESPACE_PATTERN}`,
  "require-role": (v, s) =>
    withList(v, /[\s,]+/, ROLE, "role names", (l) => ({ requireRoles: merge(s.requireRoles, l) })),
  timeout: (v) => withInt(v, 1, MAX_INT, "seconds", (n) => ({ timeout: n })),
  "max-retries": (v) => withInt(v, 0, MAX_INT, "retries", (n) => ({ maxRetries: n })),
  schedule: (v) => cronProblem(v) ?? { schedule: normalizeCron(v) },
  description: (v) => (v ? { description: v } : "expected a description"),
  memory: (v) => withInt(v, 16, 65_536, "megabytes", (n) => ({ memory: n })),
  "progress-timeout": (v) => withInt(v, 1, MAX_INT, "seconds", (n) => ({ progressTimeout: n })),
  "run-in": (v) => (v === "api" || v === "worker" ? { runIn: v } : "expected api or worker"),
  isolation: (v) => (v === "warm" || v === "process" ? { isolation: v } : "expected warm or process"),
  overlap: (v) =>
    v === "allow" || (OVERLAP_POLICIES as readonly string[]).includes(v)
      ? { overlap: v as FunctionSettings["overlap"] }
      : "expected allow, reject, queue or supersede",
  on: (v, s) => {
    const sub = parseSubscription(v);
    if (typeof sub === "string") return sub;
    return "event" in sub
      ? { onEvents: merge(s.onEvents, [sub.event]) }
      : { onTables: mergeTables(s.onTables, sub.tables) };
  },
  "on-role": (v, s) => withList(v, /[\s,]+/, ROLE, "role names", (l) => ({ onRoles: merge(s.onRoles, l) })),
  concurrency: (v) => withInt(v, 1, 100_000, "running jobs", (n) => ({ concurrency: n })),
  "overlap-key": (v) =>
    OVERLAP_KEY_PATTERN.test(v)
      ? { overlapKey: v }
      : "expected a dotted payload path such as user_id or order.id",
  "overlap-scope": (v) => (v === "user" || v === "global" ? { overlapScope: v } : "expected user or global"),
  enabled: (v) =>
    /^(true|false)$/i.test(v) ? { enabled: v.toLowerCase() === "true" } : "expected true or false",
  // Bare `allow-net` (or `true`) grants every host and wins over any list; `false` grants none.
  "allow-net": (v, s) =>
    v === "" || /^true$/i.test(v)
      ? { allowNet: true }
      : /^false$/i.test(v)
        ? denyAll("allowNet", s.allowNet)
        : withList(v, /[\s,]+/, HOST, "hosts (host or host:port)", (l) =>
            isDenied(s.allowNet)
              ? contradicts
              : { allowNet: s.allowNet === true ? true : merge(s.allowNet, l) },
          ),
  "allow-env": (v, s) =>
    grantList(v, "allowEnv", s.allowEnv, () =>
      withList(v, /[\s,]+/, ENV_NAME, "variable names", (l) => ({ allowEnv: merge(s.allowEnv, l) })),
    ),
  "allow-read": (v, s) =>
    grantList(v, "allowRead", s.allowRead, () =>
      withList(v, /,/, /./, "paths", (l) => ({ allowRead: merge(s.allowRead, l) })),
    ),
  "allow-write": (v, s) =>
    grantList(v, "allowWrite", s.allowWrite, () =>
      withList(v, /,/, /./, "paths", (l) => ({ allowWrite: merge(s.allowWrite, l) })),
    ),
};

/**
 * Booleans in permission annotations mean what they say: `false` grants nothing (recorded as an
 * empty list) and contradicts any grant of the same kind; `true` only exists for allow-net.
 */
const contradicts = "contradicts `false` given for the same permission";
const isDenied = (current: unknown) => Array.isArray(current) && current.length === 0;
function denyAll(key: "allowNet" | "allowEnv" | "allowRead" | "allowWrite", current: unknown) {
  if (current === true || (Array.isArray(current) && current.length > 0))
    return "`false` contradicts the grant given above for the same permission";
  return { [key]: [] };
}
function grantList(
  value: string,
  key: "allowEnv" | "allowRead" | "allowWrite",
  current: string[] | undefined,
  list: () => Partial<FunctionSettings> | string,
): Partial<FunctionSettings> | string {
  if (/^true$/i.test(value)) return "expected a list; there is no grant of everything for this permission";
  if (/^false$/i.test(value)) return denyAll(key, current);
  return isDenied(current) ? contradicts : list();
}

/** Annotations whose errors keep the function from loading (see ParsedAnnotations.blocking). */
const blockingAnnotations = new Set(["schedule"]);

/** Annotations that may appear more than once: their lists are merged. The others count once. */
const repeatable = new Set([
  "on",
  "on-role",
  "require-role",
  "allow-net",
  "allow-env",
  "allow-read",
  "allow-write",
]);

export function parseAnnotations(source: string, file: string): ParsedAnnotations {
  const settings: FunctionSettings = {};
  const errors: AnnotationError[] = [];
  const blocking: AnnotationError[] = [];
  const firstLine = new Map<string, number>();
  const { lines, codeStartOffset, codeStartLine } = leadingComments(source);

  for (const { line, text } of lines) {
    const match = ANNOTATION.exec(text);
    if (!match) continue;
    const name = match[1]!;
    const value = (match[2] ?? "").trim();
    const rule = rules[name];
    if (!rule) {
      errors.push({ file, line, message: `unknown annotation @fluxbase:${name}` });
      continue;
    }
    if (firstLine.has(name) && !repeatable.has(name)) {
      const message = `duplicate @fluxbase:${name} (the one on line ${firstLine.get(name)} counts)`;
      errors.push({ file, line, message });
      continue;
    }
    const result = rule(value, settings);
    if (typeof result === "string") {
      const trapped = name === "schedule" && closedComment(source, value);
      const message = trapped ? commentTrap : `@fluxbase:${name}: ${result}, got ${JSON.stringify(value)}`;
      const error = { file, line, message };
      errors.push(error);
      if (blockingAnnotations.has(name)) blocking.push(error);
      continue;
    }
    Object.assign(settings, result);
    if (!firstLine.has(name)) firstLine.set(name, line);
  }
  for (const name of ["overlap-key", "overlap-scope"]) {
    if (firstLine.has(name) && (settings.overlap === undefined || settings.overlap === "allow"))
      errors.push({
        file,
        line: firstLine.get(name)!,
        message: `@fluxbase:${name} has no effect without @fluxbase:overlap reject, queue or supersede`,
      });
  }
  errors.push(...misplacedAnnotations(source, codeStartOffset, codeStartLine, file));
  return { settings, errors, blocking };
}

const commentTrap =
  '@fluxbase:schedule: the "*/" in the expression ended the /** */ comment around it, so the expression was cut short (and the rest of the line became code); write the schedule in a // comment instead, e.g. // @fluxbase:schedule */5 * * * *';

/** True when a schedule's value was cut short by a `*\/` closing the block comment it was written in. */
function closedComment(source: string, value: string): boolean {
  const text = value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`@fluxbase:schedule[ \\t]+${text}[ \\t]*\\*/`).test(source);
}

export interface SettingProblem {
  setting: keyof FunctionSettings;
  annotation: string;
  message: string;
}

/** Which annotation sets each setting. */
const annotationFor: Record<keyof FunctionSettings, string> = {
  namespace: "namespace",
  requireRoles: "require-role",
  timeout: "timeout",
  maxRetries: "max-retries",
  schedule: "schedule",
  description: "description",
  memory: "memory",
  progressTimeout: "progress-timeout",
  enabled: "enabled",
  allowNet: "allow-net",
  allowEnv: "allow-env",
  allowRead: "allow-read",
  allowWrite: "allow-write",
  runIn: "run-in",
  isolation: "isolation",
  overlap: "overlap",
  overlapKey: "overlap-key",
  overlapScope: "overlap-scope",
  concurrency: "concurrency",
  onEvents: "on",
  onTables: "on",
  onRoles: "on-role",
};

/**
 * Checks settings that did not come from annotations (an API request's explicit fields) by the
 * same rules, so a bad cron or host is refused whichever way it arrives. Empty lists grant nothing
 * and are fine; so is an empty description.
 */
export function validateSettings(settings: Partial<FunctionSettings>): SettingProblem[] {
  const problems: SettingProblem[] = [];
  for (const [key, value] of Object.entries(settings) as [keyof FunctionSettings, unknown][]) {
    if (value === undefined || (Array.isArray(value) && value.length === 0) || value === "") continue;
    const annotation = annotationFor[key];
    const report = (message: string) =>
      problems.push({ setting: key, annotation, message: `${message}, got ${JSON.stringify(value)}` });
    // A list item is checked on its own: a separator inside it would split it into other items.
    const paths = key === "allowRead" || key === "allowWrite";
    const texts = Array.isArray(value)
      ? value.map(String)
      : [value === true && key === "allowNet" ? "" : String(value)];
    const splitting = Array.isArray(value)
      ? texts.find((text) => text.trim() === "" || (paths ? text.includes(",") : /[\s,]/.test(text)))
      : undefined;
    if (splitting !== undefined) {
      report(
        `expected list items without ${paths ? "commas" : "commas or spaces"}, and ${JSON.stringify(splitting)} is not one`,
      );
      continue;
    }
    const failed = texts.map((text) => rules[annotation]!(text, {})).find((r) => typeof r === "string");
    if (typeof failed === "string") report(failed);
  }
  return problems;
}

/** Annotation-shaped comment lines below the first statement are ignored, so say so. */
function misplacedAnnotations(
  source: string,
  offset: number,
  startLine: number,
  file: string,
): AnnotationError[] {
  const errors: AnnotationError[] = [];
  for (const [index, text] of source.slice(offset).split("\n").entries()) {
    const match = /^\s*(?:\/\/+|\/\*+|\*+)\s*@fluxbase:(\S+)/.exec(text);
    if (!match) continue;
    const message = `@fluxbase:${match[1]} is ignored: annotations only count in the comment block at the top of the file, before the first statement`;
    errors.push({ file, line: startLine + index, message });
  }
  return errors;
}

function withInt<T>(
  value: string,
  min: number,
  max: number,
  what: string,
  set: (n: number) => T,
): T | string {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  return n >= min && n <= max ? set(n) : `expected a whole number of ${what} from ${min} to ${max}`;
}

function withList<T>(value: string, separator: RegExp, item: RegExp, what: string, set: (l: string[]) => T) {
  const items = value
    .split(separator)
    .map((part) => part.trim())
    .filter(Boolean);
  if (items.length === 0) return `expected a comma-separated list of ${what}`;
  const bad = items.find((part) => !item.test(part));
  return bad === undefined ? set(items) : `expected ${what}, and ${JSON.stringify(bad)} is not one`;
}

const merge = (old: string[] | undefined, items: string[]) => [...new Set([...(old ?? []), ...items])];
const mergeTables = (old: TableSubscription[] | undefined, items: TableSubscription[]) => {
  const all = new Map([...(old ?? []), ...items].map((t) => [`${t.op} ${t.schema}.${t.table}`, t]));
  return [...all.values()];
};
