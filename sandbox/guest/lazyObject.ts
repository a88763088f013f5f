/**
 * An object built on first use, for the arguments a job gets whether it wants them or not: the two SDK
 * clients (~1.5 ms of CPU per run to build) and the `Request` (~3.5 ms: Deno loads its fetch classes
 * on first use). Property reads, `in`, assignments, key listing and `instanceof` all go to the real
 * object; methods come back bound to it (private fields and Deno's brand checks need the real
 * `this`). `console.log()` shows the real object. Once `isOver()` (the run it was made for has
 * ended, warm mode) every use throws, and the real object is dropped with its token.
 */
export function lazyObject<T extends object>(create: () => T, isOver: () => boolean = () => false): T {
  let real: T | undefined;
  const client = () => {
    if (isOver()) {
      real = undefined;
      throw new Error(
        "This object belongs to a job run that has ended; use the one your current run received",
      );
    }
    real ??= create();
    return real;
  };
  const bound = new Map<PropertyKey, { method: Function; bound: Function }>();
  const target = {
    [Symbol.for("Deno.customInspect")]: (
      inspect: (value: unknown, options: unknown) => string,
      options: unknown,
    ) => inspect(client(), options),
  };
  return new Proxy(target, {
    get(_, key) {
      if (key === Symbol.for("Deno.customInspect")) return target[key];
      const value = Reflect.get(client(), key);
      if (typeof value !== "function") return value;
      const cached = bound.get(key);
      if (cached?.method === value) return cached.bound;
      const fn = value.bind(client());
      bound.set(key, { method: value, bound: fn });
      return fn;
    },
    set: (_, key, value) => Reflect.set(client(), key, value),
    has: (_, key) => Reflect.has(client(), key),
    ownKeys: () => Reflect.ownKeys(client()),
    getOwnPropertyDescriptor(_, key) {
      const descriptor = Reflect.getOwnPropertyDescriptor(client(), key);
      // A proxy may not report a property as non-configurable unless its target has it so.
      return descriptor && { ...descriptor, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(client()),
  }) as unknown as T;
}
