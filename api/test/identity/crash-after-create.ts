/**
 * Run as a child process: creates one employee through the identity service and, the moment
 * the commit returns, prints it and SIGKILLs itself, so no cleanup or later flush can help.
 */
import { connectPostgres } from '@ates/db';
import { EventBus } from '@ates/db/bus';
import { openIdentity } from '../../src/identity/identity.ts';
// Defines the test consumer, so that the bus makes its queue when it starts.
import './consumer.ts';
import { testSettings } from './settings.ts';

const [url = '', email = ''] = process.argv.slice(2);
const conn = connectPostgres(url);
const bus = new EventBus(url, conn.db);
await bus.start();
const { employees } = openIdentity({ db: conn.db, bus, settings: testSettings() });
const { employee } = await employees.create({
  email,
  fullName: 'Crash Popug',
  role: 'worker',
  password: 'crash-test-password',
});
process.stdout.write(`${JSON.stringify(employee)}\n`);
process.kill(process.pid, 'SIGKILL');
