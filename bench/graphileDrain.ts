/**
 * The peer's side of the graphile-worker comparisons: enqueue `jobs` jobs of one task, run
 * graphile-worker over them with `slots` concurrency, and time the drain from the first task's
 * start to the last job's success. `drained` is called once all succeeded, before the runner
 * stops (its connections closing would take their CPU out of /proc).
 */
import { Logger, type makeWorkerUtils, run as runGraphile } from "graphile-worker";

export const quietLogger = new Logger(() => () => {});

export type GraphileUtils = Awaited<ReturnType<typeof makeWorkerUtils>>;

export async function enqueueGraphileJobs(utils: GraphileUtils, identifier: string, jobs: number) {
  for (let i = 0; i < jobs; i += 1000) {
    await utils.addJobs(
      Array.from({ length: Math.min(1000, jobs - i) }, () => ({ identifier, payload: {} })),
    );
  }
}

/** Seconds from the first task's start to the last job's success. */
export async function drainWithGraphile(options: {
  url: string;
  jobs: number;
  slots: number;
  identifier: string;
  task: () => Promise<void>;
  drained?: () => void;
}): Promise<number> {
  let first = 0;
  let last = 0;
  let done = 0;
  let finished!: () => void;
  const all = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const runner = await runGraphile({
    connectionString: options.url,
    concurrency: options.slots,
    maxPoolSize: options.slots + 2,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: quietLogger,
    taskList: {
      [options.identifier]: async () => {
        if (first === 0) first = performance.now();
        await options.task();
      },
    },
  });
  runner.events.on("job:success", () => {
    last = performance.now();
    if (++done === options.jobs) finished();
  });
  await all;
  options.drained?.();
  await runner.stop();
  return (last - first) / 1000;
}
