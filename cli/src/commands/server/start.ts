import { FirstAdminError, SettingsError } from '@ates/api';
import { PortInUseError, startRuntime } from '@ates/api/runtime';
import { AtesHomeBusyError, atesHome, logger } from '@ates/db';
import { Command, Flags } from '@oclif/core';
import { EXIT } from '../../base-command.ts';
import { stopRequested } from '../../server/stop-requested.ts';

export default class ServerStart extends Command {
  static override summary = 'Run aTES: Postgres, migrations, the bus, the API and the workers';
  static override description = `With no DATABASE_URL an embedded PostgreSQL runs in <home>/postgres, and with no
CLICKHOUSE_URL the embedded ClickHouse engine (chDB) keeps analytics in <home>/analytics.
--api-only and --workers-only run the halves as separate processes against a shared Postgres.
Stops cleanly on Ctrl-C or SIGTERM: batches in flight finish or go back to their queue.
On an installation with no employee yet, ATES_ADMIN_EMAIL and ATES_ADMIN_PASSWORD (and optionally
ATES_ADMIN_NAME) create the first admin; without them, stop the server and run \`ates setup\`.
At a terminal the log is for people; elsewhere it is one JSON object a line. A home in use by
another process, or a port already taken, is exit 6.
Behind a proxy, set ATES_PUBLIC_URL (the URL clients use) and ATES_TRUSTED_PROXIES; session tokens
are signed with ATES_AUTH_SECRET, else with <home>/auth-secret, made on the first start.`;
  static override examples = [
    '<%= config.bin %> server start',
    '<%= config.bin %> server start --port 8080 --home /var/lib/ates',
    'DATABASE_URL=postgres://ates@db/ates <%= config.bin %> server start --workers-only',
    'ATES_ADMIN_EMAIL=root@popug.inc ATES_ADMIN_PASSWORD=… <%= config.bin %> server start',
    'ATES_PUBLIC_URL=https://ates.popug.inc ATES_TRUSTED_PROXIES=10.0.0.0/8 <%= config.bin %> server start --api-only',
  ];
  static override flags = {
    port: Flags.integer({ description: 'HTTP port of the API', default: 4000, env: 'PORT' }),
    host: Flags.string({ description: 'address the API listens on', default: '127.0.0.1', env: 'HOST' }),
    home: Flags.string({ description: 'data folder [default: ~/.ates]', env: 'ATES_HOME' }),
    'api-only': Flags.boolean({ description: 'run the HTTP API without the workers', exclusive: ['workers-only'] }),
    'workers-only': Flags.boolean({ description: 'run the workers without the HTTP API', exclusive: ['api-only'] }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ServerStart);
    const home = atesHome(flags.home);
    try {
      const runtime = await startRuntime({
        home,
        port: flags.port,
        host: flags.host,
        api: !flags['workers-only'],
        workers: !flags['api-only'],
        databaseUrl: process.env.DATABASE_URL,
        clickhouseUrl: process.env.CLICKHOUSE_URL,
        firstAdmin: this.firstAdminFromEnvironment(),
      });
      logger.info({ api: runtime.apiUrl, home, analytics: runtime.analytics.engine }, 'aTES is running');
      await stopRequested();
      await runtime.stop();
      logger.info('stopped');
    } catch (error) {
      if (error instanceof AtesHomeBusyError || error instanceof PortInUseError)
        this.error(error.message, { exit: EXIT.conflict });
      if (error instanceof FirstAdminError || error instanceof SettingsError)
        this.error(error.message, { exit: EXIT.badInput });
      throw error;
    }
  }

  private firstAdminFromEnvironment() {
    const { ATES_ADMIN_EMAIL: email, ATES_ADMIN_PASSWORD: password, ATES_ADMIN_NAME: fullName } = process.env;
    if (!email && !password) return undefined;
    if (!email || !password)
      this.error('Set both ATES_ADMIN_EMAIL and ATES_ADMIN_PASSWORD, or neither.', { exit: EXIT.badInput });
    return { email, password, fullName };
  }
}
