import type { IncomingMessage } from 'node:http';
import { type BlockList, isIP } from 'node:net';
import type { Context } from 'hono';

/**
 * The client's address: the socket's peer, unless that peer is a trusted proxy, in which case
 * X-Forwarded-For is read from the right, past every trusted proxy, to the first address that
 * is not one. Entries a trusted proxy did not write cannot be told apart, so nothing further
 * left is believed. Absent when the app is called in-process (`app.request()`).
 */
export function clientAddress(c: Context, trustedProxies: BlockList): string | undefined {
  const peer = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress;
  if (peer === undefined) return undefined;
  const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map((hop) => plain(hop.trim()));
  let address = plain(peer);
  while (isTrusted(address, trustedProxies)) {
    const next = hops.pop();
    if (next === undefined || isIP(next) === 0) break;
    address = next;
  }
  return address;
}

/** `::ffff:10.0.0.1`, as a dual-stack socket reports an IPv4 peer, is `10.0.0.1`. */
function plain(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

function isTrusted(address: string, trustedProxies: BlockList): boolean {
  const family = isIP(address);
  return family !== 0 && trustedProxies.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
