/** The toggles a process declares, from the library's `toggles` and the handlers module, once each. */
import { ConfigError } from "../errors.ts";
import type { ToggleDefinition } from "./types.ts";

export function declaredToggles(definitions: readonly ToggleDefinition[]): ToggleDefinition[] {
  const byId = new Map<string, ToggleDefinition>();
  for (const toggle of definitions) {
    const seen = byId.get(toggle.id);
    if (
      seen &&
      seen !== toggle &&
      (seen.default !== toggle.default || seen.description !== toggle.description)
    ) {
      throw new ConfigError(
        `Toggle "${toggle.id}" is declared twice with different defaults or descriptions: keep one defineToggle per id`,
      );
    }
    byId.set(toggle.id, toggle);
  }
  return [...byId.values()];
}
