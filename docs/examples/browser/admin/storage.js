/**
 * The storage panel of the admin page (`client.admin.storage.buckets()`): each bucket, public or
 * private, its limits, and how many objects and bytes it holds. Read every POLL_MS while signed in.
 */
import { $, el } from "./dom.js";
import { Reads } from "./reads.js";

const POLL_MS = 10_000;

/** "0 B", "12.4 KB", "3.1 MB", "2.0 GB". */
export function bytes(n) {
  if (n == null) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export class StoragePanel {
  #body = $("buckets-body");
  #empty = $("buckets-empty");
  #problem = $("buckets-problem");
  #client = null;
  #timer = 0;
  #reads = null;

  start(client) {
    this.stop();
    this.#client = client;
    this.#reads = new Reads((_, problem) => {
      this.#problem.textContent = problem ?? "";
    });
    this.#timer = window.setInterval(() => void this.load(), POLL_MS);
    void this.load();
  }

  stop() {
    window.clearInterval(this.#timer);
    this.#reads?.close();
    this.#reads = null;
    this.#client = null;
    this.#body.replaceChildren();
    this.#empty.hidden = false;
    this.#problem.textContent = "";
  }

  /** Reads the buckets (one read at a time: see reads.js). */
  load() {
    const client = this.#client;
    return this.#reads?.run(
      "buckets",
      "the buckets",
      () => client.admin.storage.buckets(),
      ({ data }) => this.#show(data),
    );
  }

  #show(buckets) {
    this.#body.replaceChildren(
      ...buckets.map((bucket) =>
        el("tr", { "data-id": bucket.id, class: "bucket" }, [
          el("th", { scope: "row", class: "name", text: bucket.id }),
          el("td", { class: "access", text: bucket.public ? "public" : "private" }),
          el("td", { class: "objects", text: String(bucket.objects) }),
          el("td", { class: "size", text: bytes(bucket.bytes) }),
          el("td", {
            class: "limits",
            text: [
              bucket.file_size_limit ? `≤ ${bytes(bucket.file_size_limit)}` : "server limit",
              bucket.allowed_mime_types ? bucket.allowed_mime_types.join(", ") : "any type",
            ].join(" · "),
          }),
        ]),
      ),
    );
    this.#empty.hidden = buckets.length > 0;
  }
}
