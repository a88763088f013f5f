/** `fluxbase webhooks list|create|delete|enable|disable|deliveries`: maps flags onto `client.admin.webhooks`. */
import { Command } from "commander";
import type { WebhookEvent } from "../sdk/src/index.ts";
import { cliClient } from "./cliClient.ts";
import { intFlag, unwrap } from "./cliErrors.ts";
import {
  act,
  type ConnectionFlags,
  commandGroup,
  type OutputFlags,
  printRows,
  wantsJson,
  withConnection,
  withOutput,
} from "./commandKit.ts";
import { formatTime, print, printJson } from "./output.ts";

type Flags = ConnectionFlags & OutputFlags;

interface CreateFlags extends Flags {
  events: string;
  namespace?: string;
  name?: string;
  description?: string;
}

export function webhooksCommand(): Command {
  const group = commandGroup("webhooks", "Manage the webhook subscriptions of a running server");
  const add = (command: Command) =>
    group.addCommand(withConnection(withOutput(command), "Act as this admin (default: the service key)"));
  add(new Command("list").description("List the webhook subscriptions").action(act(listWebhooks)));
  add(
    new Command("create")
      .description("Subscribe <url> to job events (signed POSTs; see docs/notifications.md)")
      .argument("<url>")
      .option(
        "--events <list>",
        "Comma list of job.started, job.completed, job.failed, job.cancelled",
        "job.completed,job.failed,job.cancelled",
      )
      .option("--namespace <ns>", "Only jobs of this namespace")
      .option("--name <function>", "Only jobs of this function")
      .option("--description <text>", "A note for people")
      .action(act(createWebhook)),
  );
  const byId: ["delete" | "enable" | "disable", string][] = [
    ["delete", "Remove a subscription and its delivery records"],
    ["enable", "Re-enable a subscription (after a 410 or the breaker) and reset its failures"],
    ["disable", "Pause a subscription; its deliveries wait"],
  ];
  for (const [name, description] of byId)
    add(
      new Command(name)
        .description(description)
        .argument("<id>")
        .action(act((id: string, flags: Flags) => changeWebhook(name, id, flags))),
    );
  add(
    new Command("deliveries")
      .description("List a subscription's deliveries, newest first, with each attempt")
      .argument("<id>")
      .option("--limit <n>", "How many (default 50)")
      .action(act(listDeliveries)),
  );
  return group;
}

async function listWebhooks(flags: Flags): Promise<number> {
  const hooks = unwrap(await (await cliClient(flags)).admin.webhooks.list());
  printRows(flags, hooks, "No webhooks.", ["ID", "URL", "EVENTS", "FILTER", "ENABLED", "FAILURES"], (h) => [
    h.id,
    h.url,
    h.events.join(","),
    [h.namespace, h.job_name].filter(Boolean).join("/") || "-",
    h.enabled ? "yes" : `no${h.disabled_reason ? ` (${h.disabled_reason})` : ""}`,
    String(h.consecutive_failures),
  ]);
  return 0;
}

async function createWebhook(url: string, flags: CreateFlags): Promise<number> {
  const hook = unwrap(
    await (await cliClient(flags)).admin.webhooks.create({
      url,
      events: flags.events.split(",").map((event) => event.trim()) as WebhookEvent[],
      namespace: flags.namespace,
      job_name: flags.name,
      description: flags.description,
    }),
  );
  if (wantsJson(flags)) printJson(hook);
  else print(`Created webhook ${hook.id} → ${hook.url} (${hook.events.join(", ")})`);
  return 0;
}

async function changeWebhook(
  action: "delete" | "enable" | "disable",
  id: string,
  flags: Flags,
): Promise<number> {
  const webhooks = (await cliClient(flags)).admin.webhooks;
  const result = action === "delete" ? unwrap(await webhooks.delete(id)) : unwrap(await webhooks[action](id));
  if (wantsJson(flags)) printJson(result);
  else print(`Webhook ${id} ${action === "delete" ? "deleted" : `${action}d`}`);
  return 0;
}

async function listDeliveries(id: string, flags: Flags & { limit?: string }): Promise<number> {
  const deliveries = unwrap(
    await (await cliClient(flags)).admin.webhooks.deliveries(id, { limit: intFlag("limit", flags.limit) }),
  );
  printRows(
    flags,
    deliveries,
    "No deliveries yet.",
    ["ID", "EVENT", "JOB", "STATE", "ATTEMPTS", "LAST", "NEXT", "CREATED"],
    (d) => [
      d.id,
      d.event,
      d.job_id,
      d.state,
      String(d.attempts),
      d.last_error ?? (d.last_status_code ? String(d.last_status_code) : "-"),
      d.next_attempt_at ? formatTime(d.next_attempt_at) : "-",
      formatTime(d.created_at),
    ],
  );
  return 0;
}
