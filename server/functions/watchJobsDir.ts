/**
 * Watches the jobs folder, subfolders and `_shared/` included, and calls back once per burst of
 * changes. Node 20's `fs.watch(dir, { recursive: true })` works on Linux (it watches each folder
 * and file itself), so one watcher covers the tree. A slow poll notices the folder appearing,
 * disappearing or being replaced, which the watcher cannot see. Closing releases every handle.
 */
import { type FSWatcher, watch } from "node:fs";
import { stat } from "node:fs/promises";

export interface WatchOptions {
  /** Quiet time after the last change before `onChange` runs. @default 200 */
  debounceMs?: number;
  /** How often to check that the folder exists and is still the one watched. @default 1000 */
  pollIntervalMs?: number;
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

  const stopWatcher = () => {
    watcher?.close();
    watcher = undefined;
    watchedInode = undefined;
  };

  /** Brings the watcher in line with the folder; reports whether anything changed. */
  const check = async (): Promise<boolean> => {
    const info = await stat(dir).catch(() => undefined);
    if (closed) return false;
    const inode = info?.isDirectory() ? info.ino : undefined;
    if (inode !== undefined && inode === watchedInode && watcher) return false;
    const hadWatcher = watcher !== undefined;
    stopWatcher();
    if (inode === undefined) return hadWatcher;
    try {
      watcher = watch(dir, { recursive: true }, (_event, filename) => {
        // Editor swap files and other dotfiles are not functions.
        if (filename?.split(/[\\/]/).some((part) => part.startsWith("."))) return;
        fire();
      });
      watcher.on("error", (error) => {
        onError(error);
        stopWatcher(); // the poll starts a new one
        fire();
      });
      watchedInode = inode;
    } catch (error) {
      onError(error as Error);
      stopWatcher();
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
      stopWatcher();
      // libuv releases closed handles in the loop's close phase, which follows this turn's check phase.
      await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
    },
  };
}
