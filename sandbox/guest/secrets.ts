/**
 * The `secrets` global a job reads its secrets through. User-scoped values win over system ones.
 * The host masks every value as *** in the job's logs, so printing one by mistake does not leak it.
 */
import type { JobSecrets } from "@fluxbase/sdk";

export function createSecrets(input: {
  system: Record<string, string>;
  user: Record<string, string>;
}): JobSecrets {
  // Maps, not the plain objects: a name like "constructor" must not reach Object.prototype.
  const system = new Map(Object.entries(input.system ?? {}));
  const user = new Map(Object.entries(input.user ?? {}));
  const get = (name: string) => user.get(name) ?? system.get(name);
  return Object.freeze({
    get,
    getRequired(name: string): string {
      const value = get(name);
      if (value === undefined) throw new Error(`Secret "${name}" is required but is not set`);
      return value;
    },
    getUser: (name: string) => user.get(name),
    getSystem: (name: string) => system.get(name),
  });
}
