/**
 * The queue's filters and pager: status, namespace (its choices grow as namespaces are seen), page
 * size, and the newer/older buttons. Each change sets the queue table's filter or page and calls
 * `reload`.
 */
import { $ } from "./dom.js";

export class QueueFilters {
  #form = /** @type {HTMLFormElement} */ ($("filters"));
  #status = /** @type {HTMLSelectElement} */ ($("filter-status"));
  #namespace = /** @type {HTMLSelectElement} */ ($("filter-namespace"));
  #pageSize = /** @type {HTMLSelectElement} */ ($("page-size"));

  /**
   * @param {{ filter: object, limit: number, offset: number }} queue
   * @param {(what: "filter" | "page") => void} reload
   */
  constructor(queue, reload) {
    this.#form.addEventListener("submit", (event) => event.preventDefault());
    this.#form.addEventListener("change", () => {
      queue.filter = { status: this.#status.value, namespace: this.#namespace.value };
      queue.limit = Number(this.#pageSize.value);
      queue.offset = 0;
      reload("filter");
    });
    $("newer").addEventListener("click", () => {
      queue.offset = Math.max(0, queue.offset - queue.limit);
      reload("page");
    });
    $("older").addEventListener("click", () => {
      queue.offset += queue.limit;
      reload("page");
    });
  }

  /** Offers `name` in the namespace filter (once). */
  addNamespace(name) {
    if ([...this.#namespace.options].some((option) => option.value === name)) return;
    this.#namespace.append(new Option(name, name));
  }
}
