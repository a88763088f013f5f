/**
 * `fluxbase toggles list|get|set|unset|set-tenant|unset-tenant|history`: maps flags onto
 * `client.admin.toggles` (service key, or an admin's --token).
 */
import { Command } from "commander";
import type { SetToggleInput, Toggle } from "../sdk/src/index.ts";
import { cliClient } from "./cliClient.ts";
import { CliError, intFlag, unwrap } from "./cliErrors.ts";
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
import { formatTime, print, printJson, table } from "./output.ts";

type Flags = ConnectionFlags & OutputFlags;

export function togglesCommand(): Command {
  const group = commandGroup("toggles", "Flip feature toggles on a running server");
  const add = (command: Command) =>
    group.addCommand(withConnection(withOutput(command), "Act as this admin (default: the service key)"));
  add(new Command("list").description("List the toggles with their platform value").action(act(listToggles)));
  add(
    new Command("get")
      .description("Show a toggle, its rollout and its tenant overrides")
      .argument("<id>")
      .option("--tenant <tenant>", "Also say whether it is on for this tenant")
      .action(act(getToggle)),
  );
  add(
    new Command("set")
      .description("Set the platform value (on, off, or default: the code's), the rollout or the description")
      .argument("<id>")
      .argument("[value]", "on, off or default")
      .option("--rollout <percent>", "On for this share of tenants, 0-100, or none")
      .option("--description <text>", "What the toggle switches")
      .action(act(setToggle)),
  );
  add(
    new Command("unset")
      .description("Back to the code's default (overrides cleared); a toggle no code declares is deleted")
      .argument("<id>")
      .action(act(unsetToggle)),
  );
  add(
    new Command("set-tenant")
      .description("Turn a toggle on or off for one tenant")
      .argument("<id>")
      .argument("<tenant>")
      .argument("<value>", "on or off")
      .action(act(setTenant)),
  );
  add(
    new Command("unset-tenant")
      .description("Remove a tenant's own value")
      .argument("<id>")
      .argument("<tenant>")
      .action(act(unsetTenant)),
  );
  add(
    new Command("history")
      .description("Every recorded flip of a toggle, newest first: who, when, old and new")
      .argument("<id>")
      .option("--limit <n>", "How many (default 100)")
      .action(act(showHistory)),
  );
  return group;
}

const onOff = (value: boolean) => (value ? "on" : "off");

/** `on (default)` when the code's default applies, `off (set)` when an operator set it. */
function platformValue(toggle: Toggle): string {
  if (toggle.enabled !== null) return `${onOff(toggle.enabled)} (set)`;
  return `${onOff(toggle.code_default ?? false)} (default)`;
}

function parseOnOff(value: string, allowDefault: boolean): boolean | null {
  const text = value.trim().toLowerCase();
  if (["on", "true", "1", "yes"].includes(text)) return true;
  if (["off", "false", "0", "no"].includes(text)) return false;
  if (allowDefault && text === "default") return null;
  throw new CliError(`expected on or off${allowDefault ? " or default" : ""}, got "${value}"`);
}

async function listToggles(flags: Flags): Promise<number> {
  const toggles = unwrap(await (await cliClient(flags)).admin.toggles.list());
  printRows(flags, toggles, "No toggles.", ["ID", "VALUE", "ROLLOUT", "OVERRIDES", "DESCRIPTION"], (t) => [
    t.id,
    platformValue(t),
    t.rollout_percent === null ? "-" : `${t.rollout_percent}%`,
    String(t.overrides),
    t.description || "-",
  ]);
  return 0;
}

async function getToggle(id: string, flags: Flags & { tenant?: string }): Promise<number> {
  const toggle = unwrap(await (await cliClient(flags)).admin.toggles.get(id, { tenant: flags.tenant }));
  if (wantsJson(flags)) {
    printJson(toggle);
    return 0;
  }
  print(
    `${toggle.id}: ${platformValue(toggle)}${toggle.rollout_percent === null ? "" : `, on for ${toggle.rollout_percent}% of tenants`}`,
    ...(toggle.description ? [toggle.description] : []),
    ...(toggle.tenant !== undefined ? [`for tenant ${toggle.tenant}: ${onOff(toggle.on ?? false)}`] : []),
  );
  if (toggle.overrides.length > 0)
    process.stdout.write(
      table(
        ["TENANT", "VALUE", "UPDATED"],
        toggle.overrides.map((o) => [o.tenant, onOff(o.enabled), formatTime(o.updated_at)]),
      ),
    );
  return 0;
}

async function setToggle(
  id: string,
  value: string | undefined,
  flags: Flags & { rollout?: string; description?: string },
): Promise<number> {
  const input: SetToggleInput = {};
  if (value !== undefined) input.enabled = parseOnOff(value, true);
  if (flags.rollout !== undefined)
    input.rollout_percent = flags.rollout.trim() === "none" ? null : intFlag("rollout", flags.rollout)!;
  if (flags.description !== undefined) input.description = flags.description;
  if (Object.keys(input).length === 0)
    throw new CliError("say what to set: on, off or default, --rollout or --description");
  const toggle = unwrap(await (await cliClient(flags)).admin.toggles.set(id, input));
  if (wantsJson(flags)) printJson(toggle);
  else
    print(
      `Toggle ${toggle.id}: ${platformValue(toggle)}${toggle.rollout_percent === null ? "" : `, on for ${toggle.rollout_percent}% of tenants`}`,
    );
  return 0;
}

async function unsetToggle(id: string, flags: Flags): Promise<number> {
  const result = unwrap(await (await cliClient(flags)).admin.toggles.remove(id));
  if (wantsJson(flags)) printJson(result);
  else print(result.deleted ? `Toggle ${id} deleted` : `Toggle ${id} back to its default`);
  return 0;
}

async function setTenant(id: string, tenant: string, value: string, flags: Flags): Promise<number> {
  const enabled = parseOnOff(value, false)!;
  const result = unwrap(await (await cliClient(flags)).admin.toggles.setTenant(id, tenant, enabled));
  if (wantsJson(flags)) printJson(result);
  else print(`Toggle ${id} ${onOff(enabled)} for tenant ${tenant}`);
  return 0;
}

async function unsetTenant(id: string, tenant: string, flags: Flags): Promise<number> {
  const result = unwrap(await (await cliClient(flags)).admin.toggles.unsetTenant(id, tenant));
  if (wantsJson(flags)) printJson(result);
  else print(`Toggle ${id}: tenant ${tenant} follows the platform value again`);
  return 0;
}

async function showHistory(id: string, flags: Flags & { limit?: string }): Promise<number> {
  const changes = unwrap(
    await (await cliClient(flags)).admin.toggles.history(id, { limit: intFlag("limit", flags.limit) }),
  );
  printRows(
    flags,
    changes,
    `No recorded changes of ${id}.`,
    ["AT", "TENANT", "ACTION", "OLD", "NEW", "BY"],
    (c) => [
      formatTime(c.at),
      c.tenant ?? "(platform)",
      c.action,
      c.old ? JSON.stringify(c.old) : "-",
      c.new ? JSON.stringify(c.new) : "-",
      c.actor ?? c.actor_role ?? "-",
    ],
  );
  return 0;
}
