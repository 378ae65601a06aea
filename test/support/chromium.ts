import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { promisify } from 'node:util';

const CHROMIUM = '/usr/bin/chromium';
const run = promisify(execFile);

const installed = () =>
  access(CHROMIUM).then(
    () => true,
    () => false,
  );

/**
 * Debian's Chromium, for the tests that load a page in a browser. When it is missing it is
 * installed with apt-get, which needs root (as the developers and CI are); otherwise, or when
 * the install fails, the answer says why, for the test to skip with.
 */
export async function chromium(): Promise<{ path: string } | { missing: string }> {
  if (await installed()) return { path: CHROMIUM };
  if (process.getuid?.() !== 0) return { missing: `${CHROMIUM} is missing; run \`apt-get install chromium\` as root` };
  const options = { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 64 * 1024 * 1024 };
  try {
    await run('apt-get', ['update'], options);
    await run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], options);
  } catch (error) {
    return { missing: `apt-get install chromium failed: ${(error as Error).message}` };
  }
  return (await installed()) ? { path: CHROMIUM } : { missing: `apt-get installed chromium, but not at ${CHROMIUM}` };
}
