import { BlockList, isIP } from 'node:net';
import type { ApiSettings } from './deps.ts';

const DAY_SECONDS = 86_400;

export class SettingsError extends Error {}

/**
 * The API's settings from the environment: `ATES_PUBLIC_URL` (default: the address the API
 * listens on), `ATES_SESSION_MAX_AGE` in seconds (default 30 days) and `ATES_TRUSTED_PROXIES`,
 * a comma-separated list of addresses and CIDR ranges (default: none, so X-Forwarded-For is ignored).
 */
export function apiSettings(listenUrl: string, authSecret: string, env = process.env): ApiSettings {
  return {
    publicUrl: publicUrl(env.ATES_PUBLIC_URL ?? listenUrl),
    authSecret,
    sessionMaxAgeSeconds: maxAge(env.ATES_SESSION_MAX_AGE),
    trustedProxies: proxies(env.ATES_TRUSTED_PROXIES ?? ''),
  };
}

function publicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SettingsError(`ATES_PUBLIC_URL is not a URL: ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SettingsError(`ATES_PUBLIC_URL must be http or https: ${value}`);
  }
  return url.origin;
}

function maxAge(value: string | undefined): number {
  if (value === undefined) return 30 * DAY_SECONDS;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds <= 0) {
    throw new SettingsError(`ATES_SESSION_MAX_AGE must be a whole number of seconds: ${value}`);
  }
  return seconds;
}

function proxies(value: string): BlockList {
  const list = new BlockList();
  for (const entry of value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    if (family === 0 || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) {
      throw new SettingsError(`ATES_TRUSTED_PROXIES: not an address or CIDR range: ${entry}`);
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}
