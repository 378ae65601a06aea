/**
 * Run as a child process: creates one employee through the identity service and, the moment
 * the commit returns, prints it and SIGKILLs itself, so no cleanup or later flush can help.
 */
import { connectPostgres, defineConsumer, EventBus } from '@ates/db';
import { openIdentity } from '../../src/identity/identity.ts';
import { EMPLOYEE_READS, TEST_CONSUMER } from './consumer.ts';
import { testSettings } from './settings.ts';

const [url = '', email = ''] = process.argv.slice(2);
defineConsumer(TEST_CONSUMER, EMPLOYEE_READS);
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
