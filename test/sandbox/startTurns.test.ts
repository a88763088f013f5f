/**
 * Process starts take turns: a burst of starts that each block the event loop leaves room between
 * them for due timers and I/O (lease heartbeats, socket reads), and keeps its order.
 */
import { describe, expect, it } from "vitest";
import { startLater, startTurn } from "../../sandbox/host/startTurns.ts";

const block = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until) {}
};

describe("process start turns", () => {
  it("runs a due timer between two blocking starts of a burst, and keeps the starts in order", async () => {
    const order: string[] = [];
    setTimeout(() => order.push("timer"), 5);
    const done = Array.from({ length: 6 }, (_, i) =>
      startTurn().then(() => {
        block(20);
        order.push(`start ${i}`);
      }),
    );
    await Promise.all(done);
    const timerAt = order.indexOf("timer");
    // Due after 5 ms, it fires after the first or second 20 ms start, not after all six.
    expect(timerAt).toBeGreaterThan(0);
    expect(timerAt).toBeLessThan(3);
    expect(order.filter((entry) => entry !== "timer")).toEqual([0, 1, 2, 3, 4, 5].map((i) => `start ${i}`));
  });

  it("gives a start queued with startLater its own turn after the ones queued before it", async () => {
    const order: string[] = [];
    const first = startTurn().then(() => order.push("turn"));
    await new Promise<void>((resolve) =>
      startLater(() => {
        order.push("later");
        resolve();
      }),
    );
    await first;
    expect(order).toEqual(["turn", "later"]);
  });
});
