import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectPostgres, migratePostgres, startEmbeddedPostgres } from '@ates/db';
import { EventBus } from '@ates/db/bus';
import { TEMPLATE_DATABASE, withDatabase } from '@ates/db/testing';
import type { TestProject } from 'vitest/node';

/**
 * One real PostgreSQL for the whole run. Every test file gets its own database, cloned from a
 * template that already holds the migrations and pg-boss's schema.
 */
export default async function setup(project: TestProject) {
  const home = await mkdtemp(join(tmpdir(), 'ates-test-'));
  const postgres = await startEmbeddedPostgres(home);
  const admin = connectPostgres(postgres.url, { max: 1 });
  await admin.sql.unsafe(`create database ${TEMPLATE_DATABASE}`);
  const templateUrl = withDatabase(postgres.url, TEMPLATE_DATABASE);
  await migratePostgres(templateUrl);
  const template = connectPostgres(templateUrl, { max: 2 });
  const bus = new EventBus(templateUrl, template.db);
  await bus.start();
  await bus.stop();
  await template.close();
  await admin.close();
  project.provide('postgresUrl', postgres.url);
  return async () => {
    await postgres.stop();
    await rm(home, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}
