/**
 * The `secrets` global a job reads its secrets through. User-scoped values win over system ones.
 * The host masks every value as *** in the job's logs, so printing one by mistake does not leak it.
 */
import type { JobSecrets } from "@fluxbase/sdk";

/** `isOver` turns true when the run ends (warm mode): then every read throws and the values are dropped. */
export function createSecrets(
  input: { system: Record<string, string>; user: Record<string, string> },
  isOver: () => boolean = () => false,
): JobSecrets {
  // Maps, not the plain objects: a name like "constructor" must not reach Object.prototype.
  const system = new Map(Object.entries(input.system ?? {}));
  const user = new Map(Object.entries(input.user ?? {}));
  const live = () => {
    if (!isOver()) return;
    system.clear();
    user.clear();
    throw new Error(
      "These secrets belong to a job run that has ended; read `secrets` again in the current run",
    );
  };
  const get = (name: string) => {
    live();
    return user.get(name) ?? system.get(name);
  };
  return Object.freeze({
    get,
    getRequired(name: string): string {
      const value = get(name);
      if (value === undefined) throw new Error(`Secret "${name}" is required but is not set`);
      return value;
    },
    getUser: (name: string) => {
      live();
      return user.get(name);
    },
    getSystem: (name: string) => {
      live();
      return system.get(name);
    },
  });
}
