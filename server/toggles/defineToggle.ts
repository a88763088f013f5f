/**
 * Declares a feature toggle in code, beside defineJob. Pass the definitions to
 * `createFluxbase({ toggles: [...] })` or export them from the handlers module: at start-up they are
 * stored with their default (an operator's value, rollout and overrides are kept).
 */
import { type ToggleDefinition, toggleIdPattern } from "./types.ts";

export interface DefineToggleInput {
  /** Lower-case letters, digits, `.`, `-` and `_` (e.g. "new-billing"). */
  id: string;
  /** The platform value until an operator sets one. */
  default: boolean;
  /** What the toggle switches, for operators. */
  description?: string;
}

export function defineToggle(input: DefineToggleInput): ToggleDefinition {
  if (typeof input?.id !== "string" || !toggleIdPattern.test(input.id)) {
    throw new TypeError(
      `defineToggle: id must be lower-case letters, digits, ".", "-" and "_" (at most 100), got ${JSON.stringify(input?.id)}`,
    );
  }
  if (typeof input.default !== "boolean") {
    throw new TypeError(`defineToggle(${JSON.stringify(input.id)}): default must be true or false`);
  }
  if (input.description !== undefined && typeof input.description !== "string") {
    throw new TypeError(`defineToggle(${JSON.stringify(input.id)}): description must be a string`);
  }
  return Object.freeze({
    kind: "toggle" as const,
    id: input.id,
    default: input.default,
    description: input.description ?? "",
  });
}

export function isToggleDefinition(value: unknown): value is ToggleDefinition {
  return !!value && typeof value === "object" && (value as { kind?: unknown }).kind === "toggle";
}
