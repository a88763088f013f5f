/**
 * Which addresses the server may reach on someone else's behalf (webhook deliveries, a job
 * function's imports fetched at load time). Link-local (169.254.0.0/16, fe80::/10: cloud metadata
 * endpoints) is refused always; loopback, private and unspecified addresses unless the operator's
 * setting (`setting`, e.g. FLUXBASE_WEBHOOK_ALLOW_PRIVATE) allows them. Checked on the resolved
 * addresses; webhooks check again on every connection, so a name that later resolves inward is
 * still refused.
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

const linkLocal = new BlockList();
linkLocal.addSubnet("169.254.0.0", 16, "ipv4");
linkLocal.addSubnet("fe80::", 10, "ipv6");

const inward = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 3],
] as const)
  inward.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["ff00::", 8],
] as const)
  inward.addSubnet(net, bits, "ipv6");

/** Why an address is refused, or undefined when it may be reached. */
export function refusedAddress(
  address: string,
  allowPrivate: boolean,
  setting = "FLUXBASE_WEBHOOK_ALLOW_PRIVATE",
): string | undefined {
  const family = isIP(address) === 6 ? "ipv6" : "ipv4";
  // An IPv4 address written as IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it is.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return refusedAddress(mapped[1]!, allowPrivate, setting);
  if (linkLocal.check(address, family)) return `${address} is link-local (never allowed)`;
  if (!allowPrivate && inward.check(address, family))
    return `${address} is a loopback or private address (set ${setting}=true to allow)`;
  return undefined;
}

/** Resolves the URL's host and returns why it is refused, or undefined. */
export async function refusedTarget(
  url: string,
  allowPrivate: boolean,
  setting = "FLUXBASE_WEBHOOK_ALLOW_PRIVATE",
): Promise<string | undefined> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);
  } catch (error) {
    return `${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
  for (const address of addresses) {
    const why = refusedAddress(address, allowPrivate, setting);
    if (why) return why;
  }
  return undefined;
}
