/**
 * Every Postgres advisory-lock key aTES takes, in one place: two features that picked the same
 * number would serialize each other, or worse, think they hold a lock another one holds.
 * The hundreds are the owner: 0 the database, 1 identity, 2 tasks, 3 accounting, 4 analytics.
 */
export const ADVISORY_LOCKS = {
  /** Held while migrations run, so API and worker processes can start together. */
  migrations: 7_420_001,
  /** Held while the first admin is created: two setups at once make one admin. */
  firstAdmin: 7_420_101,
  /** Held by every change to an existing employee: "is another admin left?" needs them one at a time. */
  employeeChanges: 7_420_102,
  /** Held for the length of a reassign, so two reassigns queue instead of locking rows in turn. */
  reassign: 7_420_201,
  /** With a creator's id as the second key: their task creations are counted against the hourly quota one at a time. */
  taskQuota: 7_420_202,
  /** Held by every writer of the ledger (the posting consumer, close-day). */
  ledger: 7_420_301,
  /** Held shared by every projection transaction, exclusively while a rebuild empties the read side. */
  projection: 7_420_401,
} as const;

export type AdvisoryLock = keyof typeof ADVISORY_LOCKS;
