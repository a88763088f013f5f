/**
 * The trusted handlers one process knows, by namespace and name. Built once at start-up: a bad
 * name or a name given twice stops the start with both places named. Also the one place a
 * handler's payload schema is applied, for every submit path.
 */

import { ConfigError } from "../errors.ts";
import { parseSubscription } from "../functions/eventSubscription.ts";
import {
  FUNCTION_NAME_PATTERN,
  NAMESPACE_PATTERN,
  OVERLAP_KEY_PATTERN,
  OVERLAP_POLICIES,
} from "../functions/types.ts";
import { cronProblem } from "../schedules/cronExpression.ts";
import { validate } from "../validation.ts";
import type { AnyJobDefinition } from "./types.ts";

export interface HandlerRegistry {
  readonly definitions: readonly AnyJobDefinition[];
  /** `namespace/name` of every handler, as claims filter by them. */
  readonly keys: readonly string[];
  get(namespace: string, name: string): AnyJobDefinition | undefined;
  /**
   * The payload as the handler's schema parses it; a mismatch is `400 VALIDATION_ERROR` with the
   * issues. Jobs without a handler here (sandboxed functions) pass unchanged.
   */
  checkPayload(namespace: string, name: string, payload: unknown): unknown;
}

export const handlerKey = (namespace: string, name: string) => `${namespace}/${name}`;

export function createHandlerRegistry(definitions: readonly AnyJobDefinition[]): HandlerRegistry {
  const byKey = new Map<string, AnyJobDefinition>();
  for (const def of definitions) {
    if (def?.kind !== "handler") {
      throw new ConfigError(`Trusted handlers must be made with defineJob(); got ${describe(def)}`);
    }
    if (!FUNCTION_NAME_PATTERN.test(def.name)) {
      throw new ConfigError(
        `Handler name ${JSON.stringify(def.name)} (${def.definedAt}) is not valid: expected letters, digits, "_" or "-", at most 128 characters`,
      );
    }
    if (!NAMESPACE_PATTERN.test(def.namespace)) {
      throw new ConfigError(
        `Handler ${def.name} (${def.definedAt}) has an invalid namespace ${JSON.stringify(def.namespace)}`,
      );
    }
    const problem = settingsProblem(def);
    if (problem) throw new ConfigError(`Handler ${def.name} (${def.definedAt}): ${problem}`);
    const key = handlerKey(def.namespace, def.name);
    const earlier = byKey.get(key);
    if (earlier && earlier !== def) {
      throw new ConfigError(
        `Two trusted handlers are named "${key}": one defined at ${earlier.definedAt}, one at ${def.definedAt}`,
      );
    }
    byKey.set(key, def);
  }
  return {
    definitions: [...byKey.values()],
    keys: [...byKey.keys()],
    get: (namespace, name) => byKey.get(handlerKey(namespace, name)),
    checkPayload(namespace, name, payload) {
      const schema = byKey.get(handlerKey(namespace, name))?.payload;
      if (!schema) return payload;
      return validate(schema, payload, `payload for ${name}`);
    },
  };
}

function settingsProblem(def: AnyJobDefinition): string | undefined {
  const whole = (value: number | undefined, min: number) =>
    value === undefined || (Number.isInteger(value) && value >= min && value <= 2_147_483_647);
  if (!whole(def.timeout, 1))
    return `timeout must be a whole number of seconds (1 or more), got ${def.timeout}`;
  if (!whole(def.maxRetries, 0))
    return `maxRetries must be a whole number (0 or more), got ${def.maxRetries}`;
  if (def.concurrency !== undefined && !(Number.isInteger(def.concurrency) && def.concurrency >= 1))
    return `concurrency must be a whole number of running jobs (1 or more), got ${def.concurrency}`;
  for (const on of def.on) {
    const sub = typeof on === "string" ? parseSubscription(on) : "expected a string";
    if (typeof sub === "string") return `on ${JSON.stringify(on)}: ${sub}`;
  }
  if (def.runIn !== "api" && def.runIn !== "worker")
    return `runIn must be "api" or "worker", got ${JSON.stringify(def.runIn)}`;
  const overlap = def.overlap;
  if (overlap !== undefined) {
    if (overlap.policy !== "allow" && !(OVERLAP_POLICIES as readonly string[]).includes(overlap.policy))
      return `overlap.policy must be "allow", "reject", "queue" or "supersede", got ${JSON.stringify(overlap.policy)}`;
    if (overlap.key !== undefined && !OVERLAP_KEY_PATTERN.test(overlap.key))
      return `overlap.key must be a dotted payload path such as "user_id" or "order.id", got ${JSON.stringify(overlap.key)}`;
    if (overlap.scope !== undefined && overlap.scope !== "user" && overlap.scope !== "global")
      return `overlap.scope must be "user" or "global", got ${JSON.stringify(overlap.scope)}`;
  }
  const badCron = def.schedule === undefined ? undefined : cronProblem(def.schedule);
  if (badCron) return `schedule ${JSON.stringify(def.schedule)}: ${badCron}`;
  return undefined;
}

function describe(value: unknown): string {
  if (value === null || typeof value !== "object") return String(value);
  const name = (value as { name?: unknown }).name;
  return typeof name === "string" ? `an object named ${JSON.stringify(name)}` : "an object";
}
