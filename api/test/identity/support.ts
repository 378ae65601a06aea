import { connectPostgres, type PostgresConnection } from '@ates/db';
import { EventBus } from '@ates/db/bus';
import { createTestDatabase } from '@ates/db/testing';
import { sql } from 'drizzle-orm';
import { inject } from 'vitest';
import type { ApiSettings } from '../../src/deps.ts';
import { type Identity, openIdentity } from '../../src/identity/identity.ts';
// Defines the test consumer, so that the bus makes its queue when it starts.
import './consumer.ts';
import { testSettings } from './settings.ts';

export interface IdentityDatabase {
  url: string;
  settings: ApiSettings;
  conn: PostgresConnection;
  bus: EventBus;
  identity: Identity;
  stop(): Promise<void>;
}

/** A fresh migrated database with the bus started (and the test consumer's queue): the identity service on it. */
export async function identityDatabase(): Promise<IdentityDatabase> {
  const url = await createTestDatabase(inject('postgresUrl'));
  const conn = connectPostgres(url);
  const bus = new EventBus(url, conn.db, { retryLimit: 1, retryDelaySeconds: 0 });
  await bus.start();
  const settings = testSettings();
  const identity = openIdentity({ db: conn.db, bus, settings });
  return {
    url,
    settings,
    conn,
    bus,
    identity,
    async stop() {
      await bus.stop();
      await conn.close();
    },
  };
}

/**
 * How many rows the identity and bus tables hold, once the bus has queued everything published
 * so far: what "nothing was written" compares.
 */
export async function footprint(conn: PostgresConnection, bus: EventBus) {
  await bus.settle([]);
  const [row] = await conn.db.execute<{ users: number; accounts: number; events: number; jobs: number }>(sql`
    select (select count(*)::int from identity.user) as users,
           (select count(*)::int from identity.account) as accounts,
           (select count(*)::int from bus.event_log) as events,
           (select count(*)::int from pgboss.job) as jobs`);
  return row;
}
