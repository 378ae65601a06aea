import { AsyncLocalStorage } from 'node:async_hooks';
import type { Database, Executor } from '@ates/db';

const current = new AsyncLocalStorage<{ db: Database; tx: Executor }>();

/**
 * The database better-auth's adapter writes through. Outside `identityTransaction` it is the
 * pool; inside, every query better-auth makes (its own nested transactions become savepoints)
 * runs on the open transaction, so a user row and the Employee event published beside it
 * commit together or not at all.
 */
export function routedDatabase(db: Database): Database {
  return new Proxy(db, {
    get(target, property) {
      const store = current.getStore();
      const executor = store?.db === target ? store.tx : target;
      const value = Reflect.get(executor, property, executor);
      return typeof value === 'function' ? value.bind(executor) : value;
    },
  });
}

/** Runs `work` in one transaction that better-auth's writes (through `routedDatabase(db)`) join. */
export function identityTransaction<T>(db: Database, work: (tx: Executor) => Promise<T>): Promise<T> {
  return db.transaction((tx) => current.run({ db, tx }, () => work(tx)));
}
