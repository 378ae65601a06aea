import { ensureFirstAdmin, FirstAdminError, hasEmployees } from '@ates/api';
import { startRuntime } from '@ates/api/runtime';
import { AtesHomeBusyError, atesHome, logger } from '@ates/db';
import { Flags } from '@oclif/core';
import { AtesBase, ask, EXIT, prompts } from '../base-command.ts';
import { checkEmail } from '../identity.ts';
import { whileWaiting } from '../render.ts';

interface SetupResult {
  home: string;
  created: boolean;
  admin?: { id: string; email: string; fullName: string };
}

export default class Setup extends AtesBase {
  static override summary = 'Prepare a new aTES installation and create its first admin';
  static override description = `Creates the database (embedded in <home>/postgres unless DATABASE_URL is set), applies
the migrations and, when there is no employee yet, asks for the first admin: email, name and
password (at least 10 characters). In scripts pass --email/--name/--password, or set
ATES_ADMIN_EMAIL / ATES_ADMIN_NAME / ATES_ADMIN_PASSWORD. It opens the stores itself, so it needs
the server stopped: while one runs on the same home it changes nothing and exits 6. (A first start
with ATES_ADMIN_EMAIL and ATES_ADMIN_PASSWORD set does the same job.)`;
  static override examples = [
    '<%= config.bin %> setup',
    'ATES_ADMIN_PASSWORD=… <%= config.bin %> setup --email root@popug.inc --name "Root Popug" --json',
  ];
  static override flags = {
    home: Flags.string({ description: 'data folder [default: ~/.ates]', env: 'ATES_HOME' }),
    email: Flags.string({ description: 'the first admin’s email', env: 'ATES_ADMIN_EMAIL' }),
    name: Flags.string({ description: 'the first admin’s full name', env: 'ATES_ADMIN_NAME' }),
    password: Flags.string({ description: 'the first admin’s password', env: 'ATES_ADMIN_PASSWORD' }),
  };

  async run(): Promise<SetupResult> {
    const { flags } = await this.parse(Setup);
    const home = atesHome(flags.home);
    logger.level = 'error';
    const starting = startRuntime({
      home,
      port: 0,
      api: false,
      workers: false,
      databaseUrl: process.env.DATABASE_URL,
      clickhouseUrl: process.env.CLICKHOUSE_URL,
    });
    const runtime = await whileWaiting(`Preparing the stores in ${home}`, starting).catch((error: unknown) => {
      if (error instanceof AtesHomeBusyError) {
        this.error(
          `${error.message}\n\`ates setup\` needs the server stopped: stop it (Ctrl-C), run \`ates setup\`, then start it again. ` +
            'Or stop it and start it with ATES_ADMIN_EMAIL and ATES_ADMIN_PASSWORD set.',
          { exit: EXIT.conflict },
        );
      }
      throw error;
    });
    try {
      const deps = { db: runtime.conn.db, bus: runtime.bus, settings: runtime.settings };
      if (await hasEmployees(deps)) {
        this.log('aTES is already set up: it has employees. Log in with `ates login`.');
        return { home, created: false };
      }
      const admin = await ensureFirstAdmin(deps, {
        email:
          flags.email ??
          (await ask('email', async () =>
            (await prompts()).input({ message: 'First admin’s email', validate: checkEmail }),
          )),
        fullName:
          flags.name ??
          (await ask('name', async () => (await prompts()).input({ message: 'Full name', required: true }))),
        password: flags.password ?? (await ask('password', () => this.newPassword())),
      }).catch((error: unknown) => {
        if (error instanceof FirstAdminError) this.error(error.message, { exit: EXIT.badInput });
        throw error;
      });
      if (!admin) {
        this.log('Someone else created the first admin meanwhile. Log in with `ates login`.');
        return { home, created: false };
      }
      this.log(`Created the first admin, ${admin.fullName} <${admin.email}>.`);
      this.log('Start the server with `ates server start`, then `ates login`.');
      return { home, created: true, admin: { id: admin.id, email: admin.email, fullName: admin.fullName } };
    } finally {
      await runtime.stop();
    }
  }

  private async newPassword(): Promise<string> {
    const chosen = await (await prompts()).password({
      message: 'Password (at least 10 characters)',
      mask: '*',
      validate: (value) => value.length >= 10 || 'At least 10 characters, please.',
    });
    await (await prompts()).password({
      message: 'The same password again',
      mask: '*',
      validate: (value) => value === chosen || 'Not the same: type the password again.',
    });
    return chosen;
  }
}
