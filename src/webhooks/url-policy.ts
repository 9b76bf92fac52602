import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/** Where a webhook may not point unless the operator allows it: the server's own networks. */
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this" network
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["ff00::", 8], // multicast
  ["100::", 64], // discard
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, "ipv6");
}

/** Resolves a host name to every address it has (dns.lookup, all of them, by default). */
export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

export type UrlVerdict = { url: URL; addresses: string[] } | { refused: string };

/**
 * Whether a webhook may be sent to `raw`: http or https without credentials, to a host whose every
 * address is public, unless private ones are allowed (`--webhook-allow-private`). The addresses
 * are returned so that the delivery connects to the ones checked, not to a later answer.
 */
export async function checkWebhookUrl(raw: string, allowPrivate: boolean, resolve: Resolver): Promise<UrlVerdict> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { refused: "not a URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return { refused: "only http and https URLs" };
  if (url.username !== "" || url.password !== "") return { refused: "credentials in the URL; use the secret" };
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  let addresses: string[];
  try {
    addresses = isIP(host) !== 0 ? [host] : await resolve(host);
  } catch {
    return { refused: `${host} does not resolve` };
  }
  if (addresses.length === 0) return { refused: `${host} does not resolve` };
  if (!allowPrivate && addresses.some(isNotPublic)) {
    return { refused: `${host} is a loopback, private or link-local address` };
  }
  return { url, addresses };
}

/** IPv4 inside IPv6 (mapped, or NAT64's well-known prefix) is judged as the IPv4 address it carries. */
export function isNotPublic(address: string): boolean {
  const embedded = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (embedded !== undefined) return NOT_PUBLIC.check(embedded, "ipv4");
  const family = isIP(address);
  if (family === 0) return true;
  return NOT_PUBLIC.check(address, family === 4 ? "ipv4" : "ipv6");
}
