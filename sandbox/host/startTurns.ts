/**
 * Job process starts take turns, one per event-loop turn. Node's spawn blocks the event loop until
 * the child has exec'd: ~15 ms on an idle machine, 100 ms or more while job processes compete for
 * the CPU. A claim that starts a hundred runs at once would otherwise stall timers and sockets for
 * seconds — lease heartbeats among them, so leases lapsed under jobs that were still running.
 * One queue per process, since the event loop it protects is the process's.
 */

const waiting: (() => void)[] = [];
let scheduled = false;

/** Resolves on an event-loop turn of its own, after the starts queued before it. */
export function startTurn(): Promise<void> {
  return new Promise((resolve) => startLater(resolve));
}

/** Calls `start` on an event-loop turn of its own, after the starts queued before it. */
export function startLater(start: () => void): void {
  waiting.push(start);
  schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  // An immediate queued from an immediate runs on the next turn, after timers and I/O.
  setImmediate(next);
}

function next(): void {
  scheduled = false;
  const start = waiting.shift();
  if (waiting.length > 0) schedule();
  start?.();
}
