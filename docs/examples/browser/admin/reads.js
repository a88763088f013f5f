/**
 * Reads of one owner (the signed-in session, a panel), one of each kind at a time. A read asked for
 * while one of its kind is in flight waits for it and then runs once, with the last ask: on a slow
 * server, reads asked for on every change would otherwise pile up in the browser's few connections
 * per origin, and an operator's Cancel would queue behind them. An answer is dropped once `close()`
 * was called or the next ask is about something else (`about`: another job, filter or page).
 */
import { describeError } from "./dom.js";

export class Reads {
  #inFlight = new Map();
  #open = true;
  #report;

  /** @param {(kind: string, problem: string | null) => void} report called with each answer: what went wrong, or null */
  constructor(report) {
    this.#report = report;
  }

  close() {
    this.#open = false;
  }

  /**
   * @param {string} kind
   * @param {string} label what is read, for the error message
   * @param {() => Promise<{ error?: unknown }>} request
   * @param {(response: any) => void} show
   */
  async run(kind, label, request, show, about = "") {
    if (!this.#open) return;
    const inFlight = this.#inFlight.get(kind);
    if (inFlight) {
      inFlight.next = { label, request, show, about };
      return;
    }
    const read = { next: null };
    this.#inFlight.set(kind, read);
    try {
      const response = await request();
      if (!this.#open || (read.next && read.next.about !== about)) return;
      if (!response.error) show(response);
      this.#report(kind, response.error ? `Could not read ${label}: ${describeError(response.error)}` : null);
    } finally {
      this.#inFlight.delete(kind);
      const { next } = read;
      if (next && this.#open) void this.run(kind, next.label, next.request, next.show, next.about);
    }
  }
}
