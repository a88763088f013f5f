/**
 * Watches the jobs folder, subfolders and `_shared/` included, and calls back once per burst of
 * changes. chokidar does the watching: Node's own `fs.watch(dir, { recursive: true })` loses a file
 * for good once an editor has saved it by rename (vim, `sed -i`), so later in-place writes were never
 * seen; chokidar re-attaches to the new inode. A slow poll notices the folder itself appearing,
 * disappearing or being replaced (a deploy swapping it), and starts a fresh watcher on it.
 * Closing releases every handle.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { type FSWatcher, watch } from "chokidar";

export interface WatchOptions {
  /** Quiet time after the last change before `onChange` runs. @default 200 */
  debounceMs?: number;
  /** How often to check that the folder exists and is still the one watched. @default 1000 */
  pollIntervalMs?: number;
  /**
   * Poll the files (every `pollIntervalMs`) instead of inotify. @default false; switched on by
   * itself when the system has no inotify watches left (ENOSPC, EMFILE).
   */
  usePolling?: boolean;
  /** Called when `onChange` throws or the watcher fails. @default ignore */
  onError?: (error: Error) => void;
}

export interface JobsDirWatcher {
  /** Resolves once the folder is watched (or found missing, and so polled for). */
  ready: Promise<void>;
  close(): Promise<void>;
}

export function watchJobsDir(dir: string, onChange: () => void, options: WatchOptions = {}): JobsDirWatcher {
  const { debounceMs = 200, pollIntervalMs = 1000, onError = () => {} } = options;
  let watcher: FSWatcher | undefined;
  let watchedInode: number | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let closed = false;

  const fire = () => {
    if (closed) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = undefined;
      try {
        onChange();
      } catch (error) {
        onError(error as Error);
      }
    }, debounceMs);
  };

  const stopWatcher = async () => {
    const old = watcher;
    watcher = undefined;
    watchedInode = undefined;
    await old?.close();
  };

  /** Editor swap files, other dotfiles and node_modules below the folder are not functions. */
  const ignored = (file: string) =>
    path
      .relative(dir, file)
      .split(path.sep)
      .some((part) => (part.startsWith(".") && part !== "..") || part === "node_modules");
  let polling = options.usePolling ?? false;

  const startWatcher = (inode: number): Promise<void> => {
    const next = watch(dir, {
      ignoreInitial: true,
      ignored,
      atomic: false,
      usePolling: polling,
      interval: pollIntervalMs,
    });
    watcher = next;
    watchedInode = inode;
    next.on("all", fire);
    next.on("error", (error) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOSPC" || code === "EMFILE") polling = true;
      onError(error as Error);
      // The poll starts a new watcher when this one is gone.
      if (watcher === next) void stopWatcher().then(fire);
    });
    return new Promise((resolve) => next.once("ready", resolve));
  };

  /** Brings the watcher in line with the folder; reports whether anything changed. */
  const check = async (): Promise<boolean> => {
    const info = await stat(dir).catch(() => undefined);
    if (closed) return false;
    const inode = info?.isDirectory() ? info.ino : undefined;
    if (inode !== undefined && inode === watchedInode && watcher) return false;
    const hadWatcher = watcher !== undefined;
    await stopWatcher();
    if (inode === undefined || closed) return hadWatcher;
    try {
      await startWatcher(inode);
    } catch (error) {
      onError(error as Error);
      await stopWatcher();
    }
    return true;
  };

  let first = true;
  let inFlight: Promise<void> | undefined;
  const poll = () => {
    inFlight ??= check()
      .then((changed) => {
        if (changed && !first) fire();
        first = false;
      })
      .catch((error) => onError(error as Error))
      .finally(() => {
        inFlight = undefined;
      });
  };
  poll();
  const ready = inFlight!;
  const timer = setInterval(poll, pollIntervalMs);
  timer.unref();

  return {
    ready,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      clearTimeout(debounce);
      await inFlight;
      await stopWatcher();
      // libuv releases closed handles in the loop's close phase, which follows this turn's check phase.
      await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
    },
  };
}
