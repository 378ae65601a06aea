import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Loopback, private, link-local, shared, reserved and multicast ranges: not the public internet. */
const internal = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  internal.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  internal.addSubnet(network, prefix, 'ipv6');
}

export class WebhookAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookAddressError';
  }
}

export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return internal.check(mapped, 'ipv4');
  const family = isIP(address);
  return family === 0 || internal.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();

/**
 * Throws WebhookAddressError unless aTES may POST to `raw`: an https URL without credentials
 * whose host resolves only to public addresses, or is one the operator allowed.
 */
export async function assertDeliverableUrl(raw: string, allowHosts: string[]): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookAddressError(`${raw} is not a URL.`);
  }
  if (url.protocol !== 'https:') throw new WebhookAddressError(`Webhook URLs must use https, not ${url.protocol}`);
  if (url.username || url.password) throw new WebhookAddressError('A webhook URL may not carry credentials.');
  const host = hostOf(url);
  if (allowHosts.includes(host)) return url;
  const addresses = isIP(host)
    ? [host]
    : await lookup(host, { all: true }).then(
        (found) => found.map((a) => a.address),
        () => {
          throw new WebhookAddressError(`${host} does not resolve.`);
        },
      );
  const blocked = addresses.find(isInternalAddress);
  if (blocked) throw new WebhookAddressError(`${host} is a loopback or private address (${blocked}).`);
  return url;
}

/**
 * A DNS lookup for the connection itself that refuses internal addresses for hosts not allowed:
 * a name that resolved to a public address at registration cannot be pointed inside later.
 */
export function guardedLookup(allowHosts: string[]): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }).then(
      (found) => {
        const allowed = allowHosts.includes(hostname.toLowerCase());
        const blocked = allowed ? undefined : found.find((a) => isInternalAddress(a.address));
        if (blocked) {
          callback(new WebhookAddressError(`${hostname} resolves to an internal address (${blocked.address}).`), '');
        } else if (options.all) callback(null, found);
        else callback(null, found[0]?.address ?? '', found[0]?.family ?? 4);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

/** The literal-address half of `guardedLookup` (a connection to an IP literal skips the lookup). */
export function assertLiteralAllowed(url: URL, allowHosts: string[]): void {
  const host = hostOf(url);
  if (isIP(host) && isInternalAddress(host) && !allowHosts.includes(host)) {
    throw new WebhookAddressError(`${host} is a loopback or private address.`);
  }
}
