/**
 * The `secrets` global a job reads its secrets through. User-scoped values win over system ones.
 * The host masks every value as *** in the job's logs, so printing one by mistake does not leak it.
 */

export interface JobSecrets {
  /** The user's value, else the system value, else undefined. */
  get(name: string): string | undefined;
  /** Like `get`, but throws an Error naming the secret when it is not set. */
  getRequired(name: string): string;
  getUser(name: string): string | undefined;
  getSystem(name: string): string | undefined;
}

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
