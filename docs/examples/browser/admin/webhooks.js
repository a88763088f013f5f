/**
 * The webhooks panel of the admin page (`client.admin.webhooks`): each subscription, whether it is
 * enabled (and why the server disabled it: a 410 or the breaker), with an Enable button, and its
 * latest deliveries with every attempt's status, duration and error. Read every POLL_MS while
 * signed in; the outbox has no realtime channel.
 */
import { $, age, describeError, el } from "./dom.js";
import { Reads } from "./reads.js";

const POLL_MS = 3000;
const DELIVERIES = 10;

export class WebhooksPanel {
  #body = $("webhooks-body");
  #empty = $("webhooks-empty");
  #problem = $("webhooks-problem");
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

  /** Reads the subscriptions and their deliveries (one read at a time: see reads.js). */
  load() {
    const client = this.#client;
    return this.#reads?.run(
      "webhooks",
      "the webhooks",
      async () => {
        const { data: hooks, error } = await client.admin.webhooks.list();
        if (error) return { error };
        const deliveries = await Promise.all(
          hooks.map((hook) => client.admin.webhooks.deliveries(hook.id, { limit: DELIVERIES })),
        );
        return { hooks, deliveries };
      },
      ({ hooks, deliveries }) => {
        this.#body.replaceChildren(...hooks.flatMap((hook, i) => this.#rows(hook, deliveries[i].data ?? [])));
        this.#empty.hidden = hooks.length > 0;
      },
    );
  }

  #rows(hook, deliveries) {
    const state = hook.enabled
      ? "enabled"
      : `disabled${hook.disabled_reason ? `: ${hook.disabled_reason}` : ""}`;
    const enable = hook.enabled
      ? []
      : [
          el("button", {
            type: "button",
            class: "enable",
            text: "Enable",
            onclick: () => void this.#enable(hook.id),
          }),
        ];
    const filter = [hook.namespace, hook.job_name].filter(Boolean).join("/") || "all jobs";
    const head = el("tr", { "data-id": hook.id, class: "webhook" }, [
      el("th", { scope: "row", class: "url", text: hook.url }),
      el("td", { class: "events", text: `${hook.events.join(", ")} (${filter})` }),
      el("td", { class: `state${hook.enabled ? "" : " status-failed"}`, text: state }, enable),
      el("td", { class: "failures", text: String(hook.consecutive_failures) }),
    ]);
    const list = el(
      "ul",
      { class: "deliveries" },
      deliveries.map((d) =>
        el("li", { "data-id": d.id, class: `delivery status-${d.state}` }, [
          el("span", {
            text: `${d.event} · ${d.state} · ${d.attempts} attempt${d.attempts === 1 ? "" : "s"} · ${age(d.created_at)}`,
          }),
          el(
            "ol",
            {},
            d.attempt_log.map((a) =>
              el("li", {
                class: "attempt",
                text: `#${a.attempt}: ${a.status_code ?? "no answer"} in ${a.duration_ms} ms${a.error ? ` — ${a.error}` : ""}${a.next_retry_at ? ` (next try ${age(a.next_retry_at)})` : ""}`,
              }),
            ),
          ),
        ]),
      ),
    );
    const detail = el("tr", { class: "webhook-deliveries", "data-for": hook.id }, [
      el("td", { colspan: "4" }, deliveries.length ? [list] : [el("span", { text: "No deliveries yet." })]),
    ]);
    return [head, detail];
  }

  async #enable(id) {
    const client = this.#client;
    if (!client) return;
    const { error } = await client.admin.webhooks.enable(id);
    if (error) this.#problem.textContent = `Could not enable the webhook: ${describeError(error)}`;
    await this.load();
  }
}
