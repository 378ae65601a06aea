import { connectPostgres, type PostgresConnection } from '@ates/db';
import { createTestDatabase } from '@ates/db/testing';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { type Credential, CredentialCache } from '../../src/identity/credential-cache.ts';

let api1: PostgresConnection;
let api2: PostgresConnection;

beforeAll(async () => {
  const url = await createTestDatabase(inject('postgresUrl'));
  api1 = connectPostgres(url);
  api2 = connectPostgres(url);
});

afterAll(async () => {
  await api1.close();
  await api2.close();
});

const ada = { id: 'ada', role: 'worker', email: 'ada@popug.inc', fullName: 'Ada Popug' } as const;
const token = (value: string): Credential => ({ kind: 'bearer', value });

it('forgets a credential in every API process when one of them changes an identity', async () => {
  const first = new CredentialCache(api1.db);
  const second = new CredentialCache(api2.db);
  first.set(token('ada-token'), ada, first.generation);
  expect(first.get(token('ada-token'))).toEqual(ada);
  void second.generation;
  await new Promise((resolve) => setTimeout(resolve, 200));

  await second.forgetEverywhere('employee ada deactivated');

  const deadline = Date.now() + 5_000;
  while (first.get(token('ada-token')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(first.get(token('ada-token'))).toBeUndefined();
});

it('never trusts a credential past the end of its session', async () => {
  const cache = new CredentialCache(api1.db);
  cache.set(token('short'), ada, cache.generation, new Date(Date.now() + 50));
  expect(cache.get(token('short'))).toEqual(ada);
  await new Promise((resolve) => setTimeout(resolve, 80));
  expect(cache.get(token('short'))).toBeUndefined();
});
