/**
 * The functions panel of the admin page (`client.admin.jobs.list`): each function's version and
 * whether it runs. A save that failed to bundle shows its error; when an earlier version bundled,
 * that last good version keeps running and the panel says so.
 */
import { $, age, el } from "./dom.js";

export class FunctionsTable {
  #body = $("functions-body");
  #empty = $("functions-empty");

  /** Replaces every row with a fresh list (by namespace and name, as the API sends it). */
  set(functions) {
    this.#body.replaceChildren(...functions.map((fn) => this.#tr(fn)));
    this.#empty.hidden = functions.length > 0;
  }

  clear() {
    this.#body.replaceChildren();
    this.#empty.hidden = false;
  }

  #tr(fn) {
    const state = !fn.bundle_error
      ? fn.enabled
        ? "ready"
        : "disabled"
      : fn.code_hash
        ? `bundle error: version ${fn.version} keeps running until a save bundles`
        : "bundle error: cannot run";
    return el("tr", { "data-name": `${fn.namespace}/${fn.name}` }, [
      el("th", { scope: "row", text: fn.namespace === "default" ? fn.name : `${fn.namespace}/${fn.name}` }),
      el("td", { class: "version", text: String(fn.version ?? "-") }),
      el("td", { class: `state${fn.bundle_error ? " status-failed" : ""}`, text: state }),
      el("td", { class: "bundle-error" }, fn.bundle_error ? [el("pre", { text: fn.bundle_error })] : []),
      el("td", { text: fn.updated_at ? age(fn.updated_at) : "" }),
    ]);
  }
}
