/**
 * Resolves when the process should stop gracefully: on SIGINT or SIGTERM, or, when `npm start`
 * launched it, when that npm process is gone (a process manager that kills npm must not leave the
 * server and its Postgres orphaned). The start script execs node, so npm forwards signals straight
 * to the server and waits for its drain; the parent watch covers an npm that dies without passing
 * one on.
 */

export interface WaitForShutdownOptions {
  /** Stop when the parent process is gone. @default true when run by `npm start` / `npm run` */
  watchParent?: boolean;
  /** @default 1000 */
  parentPollMs?: number;
}

/** Resolves with what asked for the stop: "SIGTERM", "SIGINT" or "its parent process (pid N) exited". */
export function waitForShutdown(options: WaitForShutdownOptions = {}): Promise<string> {
  const { watchParent = process.env.npm_lifecycle_event !== undefined, parentPollMs = 1000 } = options;
  return new Promise((resolve) => {
    const parent = process.ppid;
    const timer =
      watchParent && parent > 1
        ? setInterval(() => {
            if (process.ppid !== parent) done(`its parent process (pid ${parent}) exited`);
          }, parentPollMs)
        : undefined;
    const done = (reason: string) => {
      clearInterval(timer);
      resolve(reason);
    };
    // `on`, not `once`, and never removed: a signal arriving with no listener left would end the
    // process before the drain (tsx's loader exits when it sees none); a second one is ignored.
    process.on("SIGINT", () => done("SIGINT"));
    process.on("SIGTERM", () => done("SIGTERM"));
  });
}
